namespace ClusterFs.Fuse;

/// <summary>
/// A setattr request: <see cref="Valid"/> says which of the other members are meaningful. When
/// AtimeNow/MtimeNow is set, Atime/Mtime is set too and already holds the current time.
/// </summary>
public readonly struct FuseSetAttr
{
    public FuseSetAttr(FuseSetAttrMask valid, uint mode, uint uid, uint gid, long size, FuseTime atime, FuseTime mtime, FuseTime ctime)
    {
        Valid = valid;
        Mode = mode;
        Uid = uid;
        Gid = gid;
        Size = size;
        Atime = atime;
        Mtime = mtime;
        Ctime = ctime;
    }

    public FuseSetAttrMask Valid { get; }
    public uint Mode { get; }
    public uint Uid { get; }
    public uint Gid { get; }
    public long Size { get; }
    public FuseTime Atime { get; }
    public FuseTime Mtime { get; }
    public FuseTime Ctime { get; }

    /// <summary>True when every bit of <paramref name="mask"/> is in <see cref="Valid"/>.</summary>
    public bool Has(FuseSetAttrMask mask) => (Valid & mask) == mask;
}
