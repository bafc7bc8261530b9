namespace ClusterFs.Fuse;

/// <summary>
/// The open file a request refers to (the request's <c>fuse_file_info</c>): the handle returned by
/// open/create/opendir, the open flags, and the lock owner. <see cref="HasHandle"/> is false for
/// getattr/setattr issued on a path rather than an open file.
/// </summary>
public readonly struct FuseFile
{
    public FuseFile(ulong handle, int openFlags, ulong lockOwner, bool writePage, bool flushLocks, bool flockRelease)
    {
        HasHandle = true;
        Handle = handle;
        OpenFlags = openFlags;
        LockOwner = lockOwner;
        IsWritePage = writePage;
        IsFlush = flushLocks;
        IsFlockRelease = flockRelease;
    }

    public bool HasHandle { get; }
    public ulong Handle { get; }
    public int OpenFlags { get; }
    /// <summary>The owner of POSIX/flock locks (valid in lock calls, flush, and release with flock release).</summary>
    public ulong LockOwner { get; }
    /// <summary>The write comes from the page cache (writeback), not directly from a caller.</summary>
    public bool IsWritePage { get; }
    /// <summary>Set on release when the kernel also wants the owner's locks flushed.</summary>
    public bool IsFlush { get; }
    /// <summary>Set on release when the flock locks of <see cref="LockOwner"/> must be released.</summary>
    public bool IsFlockRelease { get; }
}
