using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

/// <summary>An in-memory block device for format tests: a byte array, counting writes.</summary>
public sealed class MemoryBlockDevice(long size) : IBlockDevice
{
    public byte[] Bytes { get; } = new byte[size];
    public int Writes { get; private set; }
    public int SectorSize => 512;
    public long Size => Bytes.Length;

    public Errno Read(long offset, Span<byte> buffer)
    {
        if (offset < 0 || offset % 512 != 0 || buffer.Length % 512 != 0 || offset + buffer.Length > Size) return Errno.EINVAL;
        Bytes.AsSpan((int)offset, buffer.Length).CopyTo(buffer);
        return Errno.OK;
    }

    public Errno Write(long offset, ReadOnlySpan<byte> data)
    {
        if (offset < 0 || offset % 512 != 0 || data.Length % 512 != 0 || offset + data.Length > Size) return Errno.EINVAL;
        data.CopyTo(Bytes.AsSpan((int)offset));
        Writes++;
        return Errno.OK;
    }

    public Errno Flush() => Errno.OK;

    public Errno Discard(long offset, long length)
    {
        Bytes.AsSpan((int)offset, (int)length).Clear();
        return Errno.OK;
    }

    public void Dispose() { }
}
