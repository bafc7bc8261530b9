using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using Microsoft.Win32.SafeHandles;

namespace ClusterFs.Bench;

/// <summary>
/// Minimal positional-I/O <see cref="IBlockDevice"/> over a regular file, for benchmarks only (the product's
/// image-file device comes with the on-disk format work). Flush is fdatasync through RandomAccess.FlushToDisk.
/// </summary>
internal sealed class ShmFileDevice : IBlockDevice
{
    private readonly SafeFileHandle _handle;

    public ShmFileDevice(string path, long size)
    {
        _handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        RandomAccess.SetLength(_handle, size);
        Size = size;
    }

    public int SectorSize => 512;

    public long Size { get; }

    public Errno Read(long offset, Span<byte> buffer) =>
        RandomAccess.Read(_handle, buffer, offset) == buffer.Length ? Errno.OK : Errno.EIO;

    public Errno Write(long offset, ReadOnlySpan<byte> data)
    {
        RandomAccess.Write(_handle, data, offset);
        return Errno.OK;
    }

    public Errno Flush()
    {
        RandomAccess.FlushToDisk(_handle);
        return Errno.OK;
    }

    public Errno Discard(long offset, long length) => Errno.OK;

    public void Dispose() => _handle.Dispose();
}
