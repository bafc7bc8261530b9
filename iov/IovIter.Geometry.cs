using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov;

// iov_iter_npages and iov_iter_alignment: read-only walks that size and check direct I/O.
public sealed partial class IovIter
{
    /// <summary>
    /// iov_iter_npages: the number of pages the remaining <see cref="Count"/> bytes lie in, at most
    /// <paramref name="maxPages"/> (user and BVEC segments by their in-page offsets; KVEC segments as if
    /// each started on a page boundary, since process memory has no page address here; DISCARD 0).
    /// The iterator does not move.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="maxPages"/> is negative.</exception>
    public int Npages(int maxPages)
    {
        if (maxPages < 0) throw new ArgumentException($"maxPages must not be negative, got {maxPages}", nameof(maxPages));
        if (_kind == IterKind.Discard) return 0;
        var step = new NpagesStep(maxPages);
        Position pos = _pos;
        Walk(ref pos, _pos.Count, ref step);
        return (int)Math.Min(step.Pages, maxPages);
    }

    /// <summary>
    /// iov_iter_alignment: the OR of the start address and length of every non-empty piece of the
    /// remaining <see cref="Count"/> bytes, so <c>(Alignment() &amp; (blockSize - 1)) == 0</c> says every
    /// piece starts and ends on a block boundary (direct I/O's check). BVEC pieces contribute their
    /// in-page offset; KVEC pieces only their length (process memory has no address here); DISCARD 0.
    /// The iterator does not move.
    /// </summary>
    public ulong Alignment()
    {
        var step = new AlignmentStep();
        Position pos = _pos;
        if (_kind != IterKind.Discard) Walk(ref pos, _pos.Count, ref step);
        return step.Bits;
    }

    private struct AlignmentStep : IIterStep
    {
        public ulong Bits { get; private set; }

        public long User(AddressSpace mm, ulong addr, long len, long progress)
        {
            Bits |= addr | (ulong)len;
            return 0;
        }

        public long Kernel(Span<byte> piece, long progress)
        {
            Bits |= (uint)piece.Length;
            return 0;
        }

        public long InPage(Page page, int offset, int len, long progress)
        {
            Bits |= (uint)offset | (uint)len;
            return 0;
        }
    }

    /// <summary>Counts the pages under each piece; refuses further pieces once maxPages is reached.</summary>
    private struct NpagesStep(int maxPages) : IIterStep
    {
        public long Pages { get; private set; }

        public long User(AddressSpace mm, ulong addr, long len, long progress) =>
            Count((long)(addr & (Page.Size - 1)), len);

        public long Kernel(Span<byte> piece, long progress) => Count(0, piece.Length);

        public long InPage(Page page, int offset, int len, long progress) => Count(offset, len);

        private long Count(long offset, long len)
        {
            Pages += (offset + len + Page.Size - 1) >> Page.Shift;
            // Stop walking (report the piece as unprocessed) once enough pages were counted.
            return Pages >= maxPages ? len : 0;
        }
    }
}
