using ClusterFs.Iov;

namespace ClusterFs.Fs.Storage;

/// <summary>
/// An <see cref="IBlockDevice"/> held in a byte array: every write is immediately "durable", so it models a
/// device without a volatile cache. Used by tests and as the backing store of <see cref="FaultInjectingDevice"/>.
/// Thread-safe: one lock serialises every access.
/// </summary>
public sealed class MemoryBlockDevice : IBlockDevice
{
    private readonly byte[] _data;
    // Lock order: leaf lock, nothing is acquired while it is held.
    private readonly object _lock = new();

    /// <summary>Creates a zero-filled device of <paramref name="size"/> bytes.</summary>
    /// <exception cref="ArgumentException">The size is not a positive multiple of the sector size.</exception>
    public MemoryBlockDevice(long size, int sectorSize = 512)
        : this(new byte[CheckSize(size, sectorSize)], sectorSize)
    {
    }

    /// <summary>Creates a device whose content is <paramref name="content"/> (taken over, not copied), e.g. a crash image.</summary>
    /// <exception cref="ArgumentException">The length is not a positive multiple of the sector size.</exception>
    public MemoryBlockDevice(byte[] content, int sectorSize = 512)
    {
        ArgumentNullException.ThrowIfNull(content);
        CheckSize(content.Length, sectorSize);
        _data = content;
        SectorSize = sectorSize;
    }

    public int SectorSize { get; }

    public long Size => _data.Length;

    /// <summary>Number of successful <see cref="Flush"/> calls (for tests that count barriers).</summary>
    public long FlushCount { get; private set; }

    public Errno Read(long offset, Span<byte> buffer)
    {
        if (!IsValid(offset, buffer.Length)) return Errno.EINVAL;
        lock (_lock) _data.AsSpan(checked((int)offset), buffer.Length).CopyTo(buffer);
        return Errno.OK;
    }

    public Errno Write(long offset, ReadOnlySpan<byte> data)
    {
        if (!IsValid(offset, data.Length)) return Errno.EINVAL;
        lock (_lock) data.CopyTo(_data.AsSpan(checked((int)offset)));
        return Errno.OK;
    }

    public Errno Flush()
    {
        lock (_lock) FlushCount++;
        return Errno.OK;
    }

    public Errno Discard(long offset, long length)
    {
        if (!IsValid(offset, length)) return Errno.EINVAL;
        lock (_lock) _data.AsSpan(checked((int)offset), checked((int)length)).Clear();
        return Errno.OK;
    }

    /// <summary>Returns a copy of the whole content.</summary>
    public byte[] ToArray()
    {
        lock (_lock) return (byte[])_data.Clone();
    }

    public void Dispose()
    {
    }

    private bool IsValid(long offset, long length) =>
        offset >= 0 && length >= 0 && offset % SectorSize == 0 && length % SectorSize == 0 && offset + length <= _data.Length;

    private static int CheckSize(long size, int sectorSize)
    {
        if (sectorSize <= 0 || (sectorSize & (sectorSize - 1)) != 0)
            throw new ArgumentException($"sector size {sectorSize} is not a positive power of two", nameof(sectorSize));
        if (size <= 0 || size % sectorSize != 0 || size > Array.MaxLength)
            throw new ArgumentException($"size {size} is not a positive multiple of the sector size {sectorSize}", nameof(size));
        return (int)size;
    }
}
