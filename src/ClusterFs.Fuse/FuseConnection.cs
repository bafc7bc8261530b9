namespace ClusterFs.Fuse;

/// <summary>
/// The connection parameters negotiated at init (<c>fuse_conn_info</c>). The dispatcher fills it
/// with the kernel's offer and the binding's defaults, the filesystem's Init may change
/// <see cref="Want"/> and the limits, and the result is written back and sent to the kernel.
/// Bits of <see cref="Want"/> that are not in <see cref="Capable"/> are dropped.
/// </summary>
public sealed class FuseConnection
{
    public uint ProtoMajor { get; init; }
    public uint ProtoMinor { get; init; }
    /// <summary>What the kernel and libfuse support.</summary>
    public FuseCapabilities Capable { get; init; }
    /// <summary>What the filesystem asks for.</summary>
    public FuseCapabilities Want { get; set; }
    public uint MaxWrite { get; set; }
    public uint MaxRead { get; set; }
    public uint MaxReadahead { get; set; }
    public uint MaxBackground { get; set; }
    public uint CongestionThreshold { get; set; }
    public uint TimeGranularity { get; set; }

    /// <summary>Asks for <paramref name="caps"/> where the kernel offers them; returns what was granted.</summary>
    public FuseCapabilities Request(FuseCapabilities caps)
    {
        Want |= caps & Capable;
        return caps & Capable;
    }

    /// <summary>Turns <paramref name="caps"/> off.</summary>
    public void Drop(FuseCapabilities caps) => Want &= ~caps;
}
