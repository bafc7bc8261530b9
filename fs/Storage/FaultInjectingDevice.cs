using ClusterFs.Iov;

namespace ClusterFs.Fs.Storage;

/// <summary>
/// An <see cref="IBlockDevice"/> wrapper for crash and error tests. It models a volatile write cache: a write is
/// visible to reads at once but reaches the inner device only at the next successful <see cref="Flush"/>; a
/// simulated power failure keeps only some of the unflushed writes, chosen by the <see cref="CacheLossMode"/>
/// and a seed (so a run is reproducible). It also fails chosen writes, tears chosen writes at a sector
/// boundary, and reports EIO on chosen byte ranges. Writes are numbered from 0 in issue order (only the ones
/// that pass argument validation count), which is how a test names "the Nth write".
/// Thread-safe: one lock serialises every call.
/// </summary>
public sealed class FaultInjectingDevice : IBlockDevice
{
    private readonly IBlockDevice _inner;
    private readonly CacheLossMode _mode;
    private readonly Random _random;
    // Lock order: taken before the inner device's own lock; nothing else is acquired while it is held.
    private readonly object _lock = new();
    private readonly List<PendingWrite> _pending = [];
    private readonly Dictionary<long, Errno> _failWrites = [];
    private readonly Dictionary<long, int> _tearWrites = [];
    private readonly List<BadRange> _badRanges = [];
    private long _crashAtWrite = long.MaxValue;
    private int _crashAtUnflushed = int.MaxValue;
    private bool _tearCrashWrite;
    private byte[]? _crashImage;

    /// <summary>Wraps <paramref name="inner"/>, which holds the durable content. The wrapper does not own it.</summary>
    public FaultInjectingDevice(IBlockDevice inner, int seed, CacheLossMode mode = CacheLossMode.LoseAnySubset)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _mode = mode;
        _random = new Random(seed);
    }

    public int SectorSize => _inner.SectorSize;

    public long Size => _inner.Size;

    /// <summary>Number of writes issued so far (the index the next write gets).</summary>
    public long WritesIssued { get; private set; }

    /// <summary>Number of flushes that completed successfully.</summary>
    public long FlushesCompleted { get; private set; }

    /// <summary>Writes issued since the last successful flush (the content of the volatile cache).</summary>
    public int UnflushedWrites { get { lock (_lock) return _pending.Count; } }

    /// <summary>True once the simulated power failure happened: from then on every call fails with EIO.</summary>
    public bool HasCrashed { get; private set; }

    /// <summary>Makes write number <paramref name="writeIndex"/> fail with <paramref name="error"/> (EIO by default); nothing of it is written.</summary>
    public void FailWrite(long writeIndex, Errno? error = null)
    {
        lock (_lock) _failWrites[writeIndex] = error ?? Errno.EIO;
    }

    /// <summary>Makes write number <paramref name="writeIndex"/> report success while only its first
    /// <paramref name="sectorsKept"/> sectors are written (the rest of the range keeps its old content).</summary>
    public void TearWrite(long writeIndex, int sectorsKept)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sectorsKept);
        lock (_lock) _tearWrites[writeIndex] = sectorsKept;
    }

    /// <summary>Power fails during write number <paramref name="writeIndex"/>: the writes before it reach the cache;
    /// of that write a random prefix of its sectors (possibly none) reaches the cache when <paramref name="tear"/>,
    /// nothing otherwise; it and every later call fail with EIO.</summary>
    public void CrashAtWrite(long writeIndex, bool tear = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(writeIndex);
        lock (_lock)
        {
            _crashAtWrite = writeIndex;
            _tearCrashWrite = tear;
        }
    }

    /// <summary>Power fails at the first write that would hold more than <paramref name="unflushedWrites"/> writes in
    /// the cache: that write and everything later are dropped (EIO), like <see cref="CrashAtWrite"/> without a tear.</summary>
    public void CrashAfterUnflushedWrites(int unflushedWrites)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(unflushedWrites);
        lock (_lock) _crashAtUnflushed = unflushedWrites;
    }

    /// <summary>Power fails now: every later call fails with EIO.</summary>
    public void Crash()
    {
        lock (_lock) HasCrashed = true;
    }

    /// <summary>Reads and/or writes touching [<paramref name="offset"/>, +<paramref name="length"/>) fail with EIO
    /// (a bad block); a failed write leaves the range unchanged.</summary>
    public void AddBadRange(long offset, long length, bool failReads = true, bool failWrites = true)
    {
        lock (_lock) _badRanges.Add(new BadRange(offset, offset + length, failReads, failWrites));
    }

    /// <summary>
    /// The device content after the power failure (simulating it now if it has not happened): the inner device's
    /// durable content plus the unflushed writes that survive per the <see cref="CacheLossMode"/>. The choice is
    /// made once (seeded); later calls return copies of the same image.
    /// </summary>
    public byte[] CrashImage()
    {
        lock (_lock)
        {
            HasCrashed = true;
            _crashImage ??= BuildCrashImageLocked();
            return (byte[])_crashImage.Clone();
        }
    }

    public Errno Read(long offset, Span<byte> buffer)
    {
        if (!IsValid(offset, buffer.Length)) return Errno.EINVAL;
        lock (_lock)
        {
            if (HasCrashed || HitsBadRangeLocked(offset, buffer.Length, write: false)) return Errno.EIO;
            var err = _inner.Read(offset, buffer);
            if (!err.IsOk) return err;
            // Later cached writes override earlier ones and the durable content: apply them in issue order.
            foreach (var w in _pending) Overlay(w, offset, buffer);
            return Errno.OK;
        }
    }

    public Errno Write(long offset, ReadOnlySpan<byte> data)
    {
        if (!IsValid(offset, data.Length)) return Errno.EINVAL;
        lock (_lock)
        {
            if (HasCrashed) return Errno.EIO;
            long index = WritesIssued++;
            if (_pending.Count >= _crashAtUnflushed)
            {
                HasCrashed = true;
                return Errno.EIO;
            }
            if (index >= _crashAtWrite)
            {
                int kept = _tearCrashWrite ? _random.Next(data.Length / SectorSize + 1) * SectorSize : 0;
                if (kept > 0) _pending.Add(new PendingWrite(offset, data[..kept].ToArray()));
                HasCrashed = true;
                return Errno.EIO;
            }
            if (_failWrites.TryGetValue(index, out var failure)) return failure;
            if (HitsBadRangeLocked(offset, data.Length, write: true)) return Errno.EIO;
            if (_tearWrites.TryGetValue(index, out int sectorsKept)) data = data[..Math.Min(data.Length, sectorsKept * SectorSize)];
            if (data.Length > 0) _pending.Add(new PendingWrite(offset, data.ToArray()));
            return Errno.OK;
        }
    }

    /// <summary>Moves every cached write to the inner device in issue order, then flushes it. EIO after a crash.</summary>
    public Errno Flush()
    {
        lock (_lock)
        {
            if (HasCrashed) return Errno.EIO;
            foreach (var w in _pending)
            {
                var err = _inner.Write(w.Offset, w.Data);
                if (!err.IsOk) return err;
            }
            _pending.Clear();
            var flushed = _inner.Flush();
            if (flushed.IsOk) FlushesCompleted++;
            return flushed;
        }
    }

    /// <summary>A discard is cached like a write of zeroes (so a crash may lose it too).</summary>
    public Errno Discard(long offset, long length)
    {
        if (!IsValid(offset, length)) return Errno.EINVAL;
        lock (_lock)
        {
            if (HasCrashed) return Errno.EIO;
            _pending.Add(new PendingWrite(offset, new byte[length]));
            return Errno.OK;
        }
    }

    /// <summary>Does not dispose the inner device (the test owns it).</summary>
    public void Dispose()
    {
    }

    private byte[] BuildCrashImageLocked()
    {
        var image = new byte[checked((int)_inner.Size)];
        const int chunk = 1 << 20;
        for (long at = 0; at < image.Length; at += chunk)
        {
            int n = (int)Math.Min(chunk, image.Length - at);
            var err = _inner.Read(at, image.AsSpan((int)at, n));
            if (!err.IsOk) throw new InvalidOperationException($"inner device read failed at {at}: {err}");
        }
        int survivors = _mode == CacheLossMode.LoseSuffix ? _random.Next(_pending.Count + 1) : _pending.Count;
        for (int i = 0; i < survivors; i++)
        {
            var w = _pending[i];
            int sectors = w.Data.Length / SectorSize;
            int kept = sectors;
            if (_mode == CacheLossMode.LoseAnySubset)
            {
                int fate = _random.Next(3); // 0 lost, 1 whole, 2 torn
                kept = fate == 0 ? 0 : fate == 1 ? sectors : _random.Next(sectors + 1);
            }
            else if (i == survivors - 1 && _random.Next(3) == 0)
            {
                kept = _random.Next(sectors + 1);
            }
            w.Data.AsSpan(0, kept * SectorSize).CopyTo(image.AsSpan((int)w.Offset));
        }
        return image;
    }

    private bool HitsBadRangeLocked(long offset, long length, bool write)
    {
        foreach (var r in _badRanges)
        {
            if ((write ? r.FailWrites : r.FailReads) && offset < r.End && r.Start < offset + length) return true;
        }
        return false;
    }

    private static void Overlay(PendingWrite w, long offset, Span<byte> buffer)
    {
        long start = Math.Max(offset, w.Offset);
        long end = Math.Min(offset + buffer.Length, w.Offset + w.Data.Length);
        if (start >= end) return;
        w.Data.AsSpan((int)(start - w.Offset), (int)(end - start)).CopyTo(buffer[(int)(start - offset)..]);
    }

    private bool IsValid(long offset, long length) =>
        offset >= 0 && length >= 0 && offset % SectorSize == 0 && length % SectorSize == 0 && offset + length <= Size;

    private readonly record struct PendingWrite(long Offset, byte[] Data);

    private readonly record struct BadRange(long Start, long End, bool FailReads, bool FailWrites);
}
