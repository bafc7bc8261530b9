using ClusterFs.Iov;

namespace ClusterFs.Fs.Storage;

/// <summary>
/// A writable view of a device that never writes to it: writes land in an in-memory overlay (per sector) that
/// later reads see, flushes do nothing. Lets `fsck -n` replay a dirty journal and check the image as replayed
/// while the device stays untouched. Memory grows with the sectors written. Thread-safe: one lock serialises
/// every call.
/// </summary>
public sealed class CopyOnWriteDevice : IBlockDevice
{
    private readonly IBlockDevice _inner;
    // Lock order: taken before the inner device's own lock; nothing else is acquired while it is held.
    private readonly object _lock = new();
    private readonly Dictionary<long, byte[]> _sectors = [];

    /// <summary>Wraps <paramref name="inner"/>, which is only ever read. The wrapper does not own it.</summary>
    public CopyOnWriteDevice(IBlockDevice inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    public int SectorSize => _inner.SectorSize;

    public long Size => _inner.Size;

    /// <summary>Number of distinct sectors written to the overlay.</summary>
    public int OverlaySectors { get { lock (_lock) return _sectors.Count; } }

    public Errno Read(long offset, Span<byte> buffer)
    {
        if (!IsValid(offset, buffer.Length)) return Errno.EINVAL;
        lock (_lock)
        {
            var e = _inner.Read(offset, buffer);
            if (!e.IsOk || _sectors.Count == 0) return e;
            int ss = SectorSize;
            for (int at = 0; at < buffer.Length; at += ss)
            {
                if (_sectors.TryGetValue((offset + at) / ss, out var s)) s.CopyTo(buffer.Slice(at, ss));
            }
            return Errno.OK;
        }
    }

    public Errno Write(long offset, ReadOnlySpan<byte> data)
    {
        if (!IsValid(offset, data.Length)) return Errno.EINVAL;
        lock (_lock)
        {
            int ss = SectorSize;
            for (int at = 0; at < data.Length; at += ss) _sectors[(offset + at) / ss] = data.Slice(at, ss).ToArray();
            return Errno.OK;
        }
    }

    /// <summary>Nothing to make durable: the overlay lives only in memory.</summary>
    public Errno Flush() => Errno.OK;

    /// <summary>Recorded as zeroes in the overlay.</summary>
    public Errno Discard(long offset, long length)
    {
        if (!IsValid(offset, length)) return Errno.EINVAL;
        lock (_lock)
        {
            int ss = SectorSize;
            for (long at = 0; at < length; at += ss) _sectors[(offset + at) / ss] = new byte[ss];
            return Errno.OK;
        }
    }

    /// <summary>Does not dispose the inner device.</summary>
    public void Dispose()
    {
    }

    private bool IsValid(long offset, long length) =>
        offset >= 0 && length >= 0 && offset % SectorSize == 0 && length % SectorSize == 0 && offset <= Size - length;
}
