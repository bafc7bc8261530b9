using System.Runtime.CompilerServices;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov;

// The one iteration routine (the kernel's iterate_and_advance2): the only place that branches on the
// iterator kind to reach the data. Copy, zero, advance, fault-in and page getting all come through here.
public sealed partial class IovIter
{
    /// <summary>
    /// Walks up to <paramref name="len"/> bytes (clamped to the count) from <paramref name="pos"/>,
    /// handing each non-empty piece to <paramref name="step"/>, and moves <paramref name="pos"/> by
    /// exactly the bytes the steps processed. Stops at the first short step. An exact segment end
    /// lands at offset 0 of the next segment. Returns the bytes processed.
    /// </summary>
    private long Walk<TStep>(ref Position pos, long len, ref TStep step)
        where TStep : IIterStep, allows ref struct
    {
        if (len > pos.Count) len = pos.Count;
        if (len <= 0) return 0;
        long progress;
        switch (_kind)
        {
            case IterKind.Ubuf:
                progress = Done(len, step.User(_mm!, _ubuf + (ulong)pos.Offset, len, 0));
                pos.Offset += progress;
                break;
            case IterKind.Iovec:
                progress = WalkIovec(ref pos, len, ref step);
                break;
            case IterKind.Kvec:
                progress = WalkKvec(ref pos, len, ref step);
                break;
            case IterKind.Bvec:
                progress = WalkBvec(ref pos, len, ref step);
                break;
            default:
                // DISCARD moves no data: it only counts (Offset tracks consumption for Revert).
                progress = len;
                pos.Offset += len;
                break;
        }
        pos.Count -= progress;
        pos.Consumed += progress;
        return progress;
    }

    private long WalkIovec<TStep>(ref Position pos, long len, ref TStep step)
        where TStep : IIterStep, allows ref struct
    {
        Iovec[] iov = _iov!;
        AddressSpace mm = _mm!;
        int idx = pos.SegIndex;
        long skip = pos.Offset, progress = 0;
        do
        {
            Iovec seg = iov[idx];
            long part = Math.Min(len, seg.Length - skip);
            if (part > 0)
            {
                long done = Done(part, step.User(mm, seg.Base + (ulong)skip, part, progress));
                progress += done;
                skip += done;
                len -= done;
                if (skip < seg.Length) break;
            }
            idx++;
            skip = 0;
        } while (len > 0);
        pos.SegIndex = idx;
        pos.Offset = skip;
        return progress;
    }

    private long WalkKvec<TStep>(ref Position pos, long len, ref TStep step)
        where TStep : IIterStep, allows ref struct
    {
        Memory<byte>[] kvec = _kvec!;
        int idx = pos.SegIndex;
        long skip = pos.Offset, progress = 0;
        do
        {
            Memory<byte> seg = kvec[idx];
            long part = Math.Min(len, seg.Length - skip);
            if (part > 0)
            {
                long done = Done(part, step.Kernel(seg.Span.Slice((int)skip, (int)part), progress));
                progress += done;
                skip += done;
                len -= done;
                if (skip < seg.Length) break;
            }
            idx++;
            skip = 0;
        } while (len > 0);
        pos.SegIndex = idx;
        pos.Offset = skip;
        return progress;
    }

    // A bvec lies inside one page, so each piece is one page's worth (the kernel kmaps per page).
    private long WalkBvec<TStep>(ref Position pos, long len, ref TStep step)
        where TStep : IIterStep, allows ref struct
    {
        Bvec[] bvec = _bvec!;
        int idx = pos.SegIndex;
        long skip = pos.Offset, progress = 0;
        do
        {
            Bvec seg = bvec[idx];
            int part = (int)Math.Min(len, seg.Length - skip);
            if (part > 0)
            {
                long done = Done(part, step.InPage(seg.Page, seg.Offset + (int)skip, part, progress));
                progress += done;
                skip += done;
                len -= done;
                if (skip < seg.Length) break;
            }
            idx++;
            skip = 0;
        } while (len > 0);
        pos.SegIndex = idx;
        pos.Offset = skip;
        return progress;
    }

    // Progress of one step. A step reporting more left over than it was given, or a negative amount,
    // is a bug (in a step or in the memory model below it): fail loudly rather than corrupt the position.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Done(long part, long remain)
    {
        if ((ulong)remain > (ulong)part) ThrowBadStep(part, remain);
        return part - remain;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadStep(long part, long remain) =>
        throw new InvalidOperationException($"an iterator step given {part} bytes reported {remain} left over");

    /// <summary>The no-op step of <see cref="Advance"/>: every piece counts as processed.</summary>
    private struct AdvanceStep : IIterStep
    {
        public readonly long User(AddressSpace mm, ulong addr, long len, long progress) => 0;
        public readonly long Kernel(Span<byte> piece, long progress) => 0;
        public readonly long InPage(Page page, int offset, int len, long progress) => 0;
    }
}
