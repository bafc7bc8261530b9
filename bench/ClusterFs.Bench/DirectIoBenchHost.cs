using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Bench;

/// <summary>A file mapped 1:1 onto a device, with no page cache: the smallest inode the direct-I/O engine can run on.</summary>
public sealed class DirectIoBenchHost(IBlockDevice device) : IDioHost, IIomapOps
{
    public long Size => Device.Size;

    public int BlockSize => 4096;

    public IBlockDevice Device { get; } = device;

    public IIomapOps Iomap => this;

    public Errno WriteAndWait(long pos, long length) => Errno.OK;

    public Errno InvalidatePages(long pos, long length) => Errno.OK;

    public Errno EndIo(long pos, long size, Errno error, bool write) => error;

    public Errno Begin(long pos, long length, IomapIterFlags flags, out IomapMapping mapping)
    {
        mapping = new IomapMapping(0, Device.Size, IomapType.Mapped, 0, IomapFlags.None);
        return Errno.OK;
    }

    public Errno End(long pos, long length, long written, IomapIterFlags flags, in IomapMapping mapping) => Errno.OK;
}
