using ClusterFs.Iov;

namespace ClusterFs.Fs.Iomap;

/// <summary>
/// A filesystem's block-mapping operations for one inode (iomap_ops). The generic engines (direct I/O,
/// buffered write, SEEK_DATA/HOLE, fiemap) drive them and never look inside the filesystem.
/// </summary>
public interface IIomapOps
{
    /// <summary>Maps [pos, pos + length): the returned mapping starts at or before <paramref name="pos"/> and
    /// covers at least its first byte (it may be shorter than asked). With <see cref="IomapIterFlags.Write"/>
    /// the filesystem allocates what the write needs (holes become Mapped or Unwritten+New). Errors: ENOSPC,
    /// EIO, EAGAIN for OverwriteOnly/NoWait refusals, ENOTBLK to make a direct write fall back to buffered I/O.</summary>
    Errno Begin(long pos, long length, IomapIterFlags flags, out IomapMapping mapping);

    /// <summary>Finishes a Begin: <paramref name="written"/> bytes of [pos, pos + length) were processed
    /// (inline data is committed here; unused allocations may be trimmed).</summary>
    Errno End(long pos, long length, long written, IomapIterFlags flags, in IomapMapping mapping);
}
