namespace ClusterFs.Fuse;

/// <summary>Which attributes a setattr changes (FUSE_SET_ATTR_* of fuse_lowlevel.h).</summary>
[Flags]
public enum FuseSetAttrMask
{
    None = 0,
    Mode = 1 << 0,
    Uid = 1 << 1,
    Gid = 1 << 2,
    Size = 1 << 3,
    Atime = 1 << 4,
    Mtime = 1 << 5,
    /// <summary>Atime is "now"; the dispatcher has already put the current time in Atime.</summary>
    AtimeNow = 1 << 7,
    /// <summary>Mtime is "now"; the dispatcher has already put the current time in Mtime.</summary>
    MtimeNow = 1 << 8,
    Ctime = 1 << 10,
}
