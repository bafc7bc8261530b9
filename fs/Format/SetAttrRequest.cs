namespace ClusterFs.Fs.Format;

/// <summary>Which attributes <see cref="Volume.SetAttr"/> changes; null fields are left alone. A size change truncates
/// or extends (as a hole). ctime is set to now whenever anything changes, unless <see cref="Ctime"/> is given.</summary>
public sealed record SetAttrRequest
{
    public uint? Mode { get; init; }
    public uint? Uid { get; init; }
    public uint? Gid { get; init; }
    public long? Size { get; init; }
    public Timestamp? Atime { get; init; }
    public Timestamp? Mtime { get; init; }
    public Timestamp? Ctime { get; init; }
    public uint? Flags { get; init; }
}
