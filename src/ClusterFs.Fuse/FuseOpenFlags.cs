namespace ClusterFs.Fuse;

/// <summary>Per-open reply flags, mapped onto the kernel's FOPEN_* bits.</summary>
[Flags]
public enum FuseOpenFlags
{
    None = 0,
    /// <summary>FOPEN_DIRECT_IO: bypass the page cache for this open file.</summary>
    DirectIo = 1 << 0,
    /// <summary>FOPEN_KEEP_CACHE: do not drop the inode's cached pages on this open.</summary>
    KeepCache = 1 << 1,
    /// <summary>FOPEN_NONSEEKABLE.</summary>
    NonSeekable = 1 << 2,
    /// <summary>FOPEN_CACHE_DIR (opendir only): let the kernel cache readdir results.</summary>
    CacheReaddir = 1 << 3,
    /// <summary>FOPEN_NOFLUSH: do not send flush on close.</summary>
    NoFlush = 1 << 5,
}
