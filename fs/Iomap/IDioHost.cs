using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Iomap;

/// <summary>
/// What the direct-I/O engine needs from the inode it works on (the parts of struct inode, its mapping and
/// iomap_dio_ops that iomap_dio_rw touches). The filesystem's inode implements it; tests use a fake.
/// </summary>
public interface IDioHost
{
    /// <summary>i_size.</summary>
    long Size { get; }

    /// <summary>Filesystem block size: DIO position and length must be aligned to it (EINVAL otherwise).</summary>
    int BlockSize { get; }

    IBlockDevice Device { get; }

    IIomapOps Iomap { get; }

    /// <summary>kiocb_write_and_wait: writes back dirty page-cache pages over the range before a DIO read.</summary>
    Errno WriteAndWait(long pos, long length);

    /// <summary>kiocb_invalidate_pages: writes back and drops cached pages over the range before a DIO write.
    /// A failure (other than EAGAIN) makes the engine return ENOTBLK: fall back to buffered I/O.</summary>
    Errno InvalidatePages(long pos, long length);

    /// <summary>iomap_dio_ops.end_io: called once when all I/O of a call completed (before done_before is
    /// added), with the bytes this call transferred or the error. Converts unwritten extents, extends i_size
    /// for writes past it. Returns the (possibly replaced) error.</summary>
    Errno EndIo(long pos, long size, Errno error, bool write);

    /// <summary>inode_dio_begin: a direct-I/O call starts (counted until <see cref="DioEnd"/>, which may come from a
    /// completion worker after the caller dropped its glock). Default: not counted.</summary>
    void DioBegin() { }

    /// <summary>inode_dio_end: the call completed (after end_io); wakes <c>inode_dio_wait</c> at zero.</summary>
    void DioEnd() { }
}
