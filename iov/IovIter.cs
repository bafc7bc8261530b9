using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov;

/// <summary>
/// An I/O iterator over user memory (UBUF, IOVEC), process memory (KVEC), pages (BVEC) or nothing
/// (DISCARD): the kernel's <c>struct iov_iter</c> (lib/iov_iter.c). It tracks the bytes remaining
/// (<see cref="Count"/>), the offset in the current segment (<see cref="IovOffset"/>), the segments
/// left (<see cref="NrSegs"/>), the <see cref="NoFault"/> flag and the data <see cref="Direction"/>.
/// Every data operation (copy, zero, fault-in, page getting) walks the segments through one iteration
/// routine (IovIter.Walk.cs). Not thread-safe: one iterator belongs to one I/O at a time.
/// Misuse (negative lengths, reverting past the start, impossible counts) throws
/// <see cref="ArgumentException"/> and leaves the iterator unchanged.
/// </summary>
public sealed partial class IovIter
{
    private readonly IterKind _kind;
    private readonly IterDirection _direction;
    private readonly AddressSpace? _mm;
    private readonly ulong _ubuf;
    private readonly Iovec[]? _iov;
    private readonly Memory<byte>[]? _kvec;
    private readonly Bvec[]? _bvec;
    // Number of segments the iterator was built with (1 for UBUF, 0 for DISCARD).
    private readonly int _segCount;
    // Bytes the segments hold from the start of the iterator: the bound for Reexpand.
    private readonly long _total;
    private Position _pos;

    /// <summary>The iterator's position. Consumed = bytes before (SegIndex, Offset) from the start;
    /// for UBUF and DISCARD, Offset == Consumed.</summary>
    private struct Position
    {
        public long Count;
        public long Offset;
        public int SegIndex;
        public long Consumed;
    }

    private IovIter(IterKind kind, IterDirection direction, AddressSpace? mm, ulong ubuf,
        Iovec[]? iov, Memory<byte>[]? kvec, Bvec[]? bvec, int segCount, long total)
    {
        _kind = kind;
        _direction = direction;
        _mm = mm;
        _ubuf = ubuf;
        _iov = iov;
        _kvec = kvec;
        _bvec = bvec;
        _segCount = segCount;
        _total = total;
        _pos.Count = total;
    }

    /// <summary>iov_iter_ubuf: one user buffer of <paramref name="length"/> bytes at <paramref name="addr"/>.</summary>
    /// <exception cref="ArgumentException">Negative length, or a range that wraps the address space.</exception>
    public static IovIter CreateUbuf(IterDirection direction, AddressSpace mm, ulong addr, long length)
    {
        ArgumentNullException.ThrowIfNull(mm);
        CheckDirection(direction);
        CheckUserRange(addr, length, nameof(length));
        return new IovIter(IterKind.Ubuf, direction, mm, addr, null, null, null, 1, length);
    }

    /// <summary>iov_iter_init: user buffers in <paramref name="mm"/>. The segments are copied; the count
    /// is their total. Empty segments are allowed and skipped by every walk.</summary>
    /// <exception cref="ArgumentException">A negative length, a wrapping range, or a total above long.MaxValue.</exception>
    public static IovIter CreateIovec(IterDirection direction, AddressSpace mm, ReadOnlySpan<Iovec> segments)
    {
        ArgumentNullException.ThrowIfNull(mm);
        CheckDirection(direction);
        long total = 0;
        foreach (var seg in segments)
        {
            CheckUserRange(seg.Base, seg.Length, nameof(segments));
            total = AddLength(total, seg.Length, nameof(segments));
        }
        return new IovIter(IterKind.Iovec, direction, mm, 0, segments.ToArray(), null, null, segments.Length, total);
    }

    /// <summary>iov_iter_kvec: process-memory segments (the array is copied, the memory is not).</summary>
    public static IovIter CreateKvec(IterDirection direction, ReadOnlySpan<Memory<byte>> segments)
    {
        CheckDirection(direction);
        long total = 0;
        foreach (var seg in segments)
            total = AddLength(total, seg.Length, nameof(segments));
        return new IovIter(IterKind.Kvec, direction, null, 0, null, segments.ToArray(), null, segments.Length, total);
    }

    /// <summary>iov_iter_kvec with a single segment.</summary>
    public static IovIter CreateKvec(IterDirection direction, Memory<byte> buffer) =>
        CreateKvec(direction, new ReadOnlySpan<Memory<byte>>(in buffer));

    /// <summary>iov_iter_bvec: page segments (the array is copied).</summary>
    /// <exception cref="ArgumentException">A null page, or a segment that does not lie inside its page.</exception>
    public static IovIter CreateBvec(IterDirection direction, ReadOnlySpan<Bvec> segments)
    {
        CheckDirection(direction);
        long total = 0;
        foreach (var seg in segments)
        {
            if (seg.Page is null)
                throw new ArgumentException("a bvec segment has no page", nameof(segments));
            if (seg.Offset < 0 || seg.Length < 0 || seg.Offset > Page.Size - seg.Length)
                throw new ArgumentException(
                    $"bvec segment (offset {seg.Offset}, length {seg.Length}) does not lie inside a {Page.Size}-byte page",
                    nameof(segments));
            total += seg.Length;
        }
        return new IovIter(IterKind.Bvec, direction, null, 0, null, null, segments.ToArray(), segments.Length, total);
    }

    /// <summary>iov_iter_discard: a destination that only counts <paramref name="count"/> bytes.</summary>
    public static IovIter CreateDiscard(long count)
    {
        if (count < 0) throw new ArgumentException($"count must not be negative, got {count}", nameof(count));
        return new IovIter(IterKind.Discard, IterDirection.Dest, null, 0, null, null, null, 0, count);
    }

    /// <summary>The kind of memory walked.</summary>
    public IterKind Kind => _kind;

    /// <summary>Source (data read out of the iterator, a write(2)) or Dest (data copied in, a read(2)).</summary>
    public IterDirection Direction => _direction;

    /// <summary>Bytes remaining (iov_iter_count).</summary>
    public long Count => _pos.Count;

    /// <summary>Offset inside the current segment; for UBUF the offset from the start of the buffer.</summary>
    public long IovOffset => _pos.Offset;

    /// <summary>Segments remaining, counting the current one (1 for UBUF, 0 for DISCARD).</summary>
    public int NrSegs => _segCount - _pos.SegIndex;

    /// <summary>When set, page getting (<see cref="GetPages"/>) never faults (FOLL_NOFAULT). It has no
    /// effect on the copies: callers disable page faults for those.</summary>
    public bool NoFault { get; set; }

    /// <summary>user_backed_iter: UBUF or IOVEC.</summary>
    public bool IsUserBacked => _kind is IterKind.Ubuf or IterKind.Iovec;

    /// <summary>The address space of a user-backed iterator; null for the others.</summary>
    public AddressSpace? Mm => _mm;

    /// <summary>iov_iter_advance: skips <paramref name="n"/> bytes, clamped to <see cref="Count"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="n"/> is negative.</exception>
    public void Advance(long n)
    {
        CheckLength(n, nameof(n));
        var step = new AdvanceStep();
        Walk(ref _pos, n, ref step);
    }

    /// <summary>iov_iter_revert: steps back <paramref name="n"/> bytes, across segments; <see cref="Count"/>
    /// grows by <paramref name="n"/>. Stepping back into an earlier segment and stopping exactly at its
    /// start leaves offset 0 of that segment (as the kernel does).</summary>
    /// <exception cref="ArgumentException"><paramref name="n"/> is negative or more than was consumed
    /// since the start of the iterator (the kernel BUG()s or silently corrupts there).</exception>
    public void Revert(long n)
    {
        CheckLength(n, nameof(n));
        if (n == 0) return;
        if (n > _pos.Consumed)
            throw new ArgumentException(
                $"cannot revert {n} bytes: only {_pos.Consumed} were consumed since the start of the {_kind} iterator",
                nameof(n));
        _pos.Count += n;
        _pos.Consumed -= n;
        if (n <= _pos.Offset)
        {
            _pos.Offset -= n;
            return;
        }
        // Only segment kinds get here: for UBUF and DISCARD Offset == Consumed >= n.
        long unroll = n - _pos.Offset;
        int idx = _pos.SegIndex;
        while (true)
        {
            long len = SegmentLength(--idx);
            if (unroll <= len)
            {
                _pos.SegIndex = idx;
                _pos.Offset = len - unroll;
                return;
            }
            unroll -= len;
        }
    }

    /// <summary>iov_iter_truncate: lowers <see cref="Count"/> to at most <paramref name="n"/>; the segments are untouched.</summary>
    /// <exception cref="ArgumentException"><paramref name="n"/> is negative.</exception>
    public void Truncate(long n)
    {
        CheckLength(n, nameof(n));
        if (_pos.Count > n) _pos.Count = n;
    }

    /// <summary>iov_iter_reexpand: sets <see cref="Count"/> to <paramref name="n"/>, to restore a count
    /// lowered by <see cref="Truncate"/> (the iomap pattern: save, truncate, work, reexpand to saved - done).</summary>
    /// <exception cref="ArgumentException"><paramref name="n"/> is negative or more than the segments
    /// hold from the current position.</exception>
    public void Reexpand(long n)
    {
        CheckLength(n, nameof(n));
        long capacity = _total - _pos.Consumed;
        if (n > capacity)
            throw new ArgumentException(
                $"cannot reexpand to {n} bytes: the {_kind} iterator holds only {capacity} from its current position",
                nameof(n));
        _pos.Count = n;
    }

    /// <summary>iov_iter_single_seg_count: with more than one segment left, the bytes left in the current
    /// segment (at most <see cref="Count"/>); otherwise <see cref="Count"/>.</summary>
    public long SingleSegCount() =>
        NrSegs > 1 ? Math.Min(_pos.Count, SegmentLength(_pos.SegIndex) - _pos.Offset) : _pos.Count;

    /// <summary>iov_iter_save_state: the current position, for <see cref="Restore"/>.</summary>
    public IovIterState SaveState() => new(_pos.Offset, _pos.Count, NrSegs, _pos.Consumed);

    /// <summary>iov_iter_restore: returns to a position saved from this iterator.</summary>
    /// <exception cref="ArgumentException">The state does not describe a position of this iterator.</exception>
    public void Restore(IovIterState state)
    {
        int segIndex = _segCount - state.NrSegs;
        if (state.NrSegs < 0 || segIndex < 0 || state.Count < 0 || state.Consumed < 0
            || state.IovOffset < 0 || state.Consumed > _total || state.Count > _total - state.Consumed
            || PrefixLength(segIndex) + state.IovOffset != state.Consumed
            || (segIndex < _segCount && _kind is not IterKind.Ubuf && state.IovOffset > SegmentLength(segIndex)))
            throw new ArgumentException($"{state} is not a position of this {_kind} iterator", nameof(state));
        _pos = new Position { Count = state.Count, Offset = state.IovOffset, SegIndex = segIndex, Consumed = state.Consumed };
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{_kind} {_direction} count={_pos.Count} offset={_pos.Offset} segs={NrSegs}{(NoFault ? " nofault" : "")}";

    private long SegmentLength(int index) => _kind switch
    {
        IterKind.Iovec => _iov![index].Length,
        IterKind.Kvec => _kvec![index].Length,
        IterKind.Bvec => _bvec![index].Length,
        _ => _total, // UBUF: the one buffer; DISCARD never asks
    };

    // Bytes in the segments before segment 'index' (UBUF and DISCARD: none).
    private long PrefixLength(int index)
    {
        if (_kind is IterKind.Ubuf or IterKind.Discard) return 0;
        long sum = 0;
        for (int k = 0; k < index; k++) sum += SegmentLength(k);
        return sum;
    }

    private static void CheckDirection(IterDirection direction)
    {
        if (direction is not (IterDirection.Dest or IterDirection.Source))
            throw new ArgumentException($"unknown iterator direction {(int)direction}", nameof(direction));
    }

    private static void CheckLength(long n, string name)
    {
        if (n < 0) throw new ArgumentException($"a length must not be negative, got {n}", name);
    }

    private static void CheckUserRange(ulong addr, long length, string name)
    {
        if (length < 0)
            throw new ArgumentException($"a user buffer length must not be negative, got {length}", name);
        if (addr > ulong.MaxValue - (ulong)length)
            throw new ArgumentException($"user range 0x{addr:x} + {length} wraps the address space", name);
    }

    private static long AddLength(long total, long length, string name)
    {
        if (length < 0)
            throw new ArgumentException($"a segment length must not be negative, got {length}", name);
        if (length > long.MaxValue - total)
            throw new ArgumentException("the segments' total length overflows", name);
        return total + length;
    }
}
