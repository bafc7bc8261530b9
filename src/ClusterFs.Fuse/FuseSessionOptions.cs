namespace ClusterFs.Fuse;

/// <summary>
/// Options of a FUSE session: the mount options passed to libfuse as <c>-o</c> and the defaults
/// the dispatcher negotiates at init before the filesystem's own Init sees the connection.
/// </summary>
public sealed class FuseSessionOptions
{
    /// <summary>The "source" shown in /proc/mounts (fsname=).</summary>
    public string FsName { get; init; } = "clusterfs";
    /// <summary>The type suffix: the mount shows as fuse.SUBTYPE.</summary>
    public string? Subtype { get; init; } = "clusterfs";
    /// <summary>Let users other than the mounter access the mount (allow_other).</summary>
    public bool AllowOther { get; init; }
    /// <summary>Let the kernel check permissions from the mode bits (default_permissions).</summary>
    public bool DefaultPermissions { get; init; }
    /// <summary>libfuse request tracing on stderr (-d).</summary>
    public bool Debug { get; init; }
    /// <summary>Further -o options, passed verbatim (e.g. "ro", "noatime").</summary>
    public IReadOnlyList<string> ExtraOptions { get; init; } = [];
    /// <summary>Largest write request; libfuse caps it at its 1 MiB receive buffer.</summary>
    public uint MaxWrite { get; init; } = 1024 * 1024;
    /// <summary>Ask for FUSE_CAP_WRITEBACK_CACHE (off: DESIGN.md measured it slower for streaming writes).</summary>
    public bool WritebackCache { get; init; }
    /// <summary>Allow more than one outstanding read per handle (FUSE_CAP_ASYNC_READ).</summary>
    public bool AsyncRead { get; init; } = true;
    /// <summary>Use splice for request/reply data; off, since replies come from a reused buffer anyway.</summary>
    public bool Splice { get; init; }
    /// <summary>Size of each worker's reply buffer; must cover max_read and max_write.</summary>
    public int ReplyBufferSize { get; init; } = 1024 * 1024 + 4096;

    /// <summary>The argv handed to fuse_session_new.</summary>
    internal IReadOnlyList<string> BuildArgv()
    {
        var opts = new List<string> { "fsname=" + FsName };
        if (Subtype is not null)
            opts.Add("subtype=" + Subtype);
        if (AllowOther)
            opts.Add("allow_other");
        if (DefaultPermissions)
            opts.Add("default_permissions");
        opts.AddRange(ExtraOptions);
        foreach (string o in opts)
        {
            if (o.Length == 0)
                throw new ArgumentException("empty FUSE mount option", nameof(ExtraOptions));
        }
        var argv = new List<string> { "clusterfs", "-o", string.Join(',', opts) };
        if (Debug)
            argv.Add("-d");
        return argv;
    }
}
