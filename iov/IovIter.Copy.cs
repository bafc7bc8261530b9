using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov;

// copy_to_iter, copy_from_iter, copy_page_*_iter, iov_iter_zero.
public sealed partial class IovIter
{
    /// <summary>
    /// copy_to_iter: copies <paramref name="src"/> into the iterator (a Dest). Returns the bytes copied
    /// and advances by exactly that. A user iterator comes up short at the first byte that cannot be
    /// written (faults are taken as the current task allows); kernel kinds never do; DISCARD only counts.
    /// On a Source iterator nothing happens and 0 is returned (the kernel WARNs).
    /// </summary>
    public long CopyTo(ReadOnlySpan<byte> src)
    {
        if (_direction != IterDirection.Dest) return 0;
        var step = new CopyToStep(src);
        return Walk(ref _pos, src.Length, ref step);
    }

    /// <summary>
    /// copy_from_iter: copies from the iterator (a Source) into <paramref name="dst"/>. Returns the bytes
    /// copied and advances by exactly that. A short copy leaves the uncopied tail of
    /// <paramref name="dst"/> as it was (raw_copy_from_user). On a Dest iterator returns 0.
    /// </summary>
    public long CopyFrom(Span<byte> dst)
    {
        if (_direction != IterDirection.Source) return 0;
        var step = new CopyFromStep(dst);
        return Walk(ref _pos, dst.Length, ref step);
    }

    /// <summary>copy_page_to_iter: <see cref="CopyTo"/> of <paramref name="bytes"/> bytes of
    /// <paramref name="page"/> from <paramref name="offset"/>. Returns the bytes copied.</summary>
    /// <exception cref="ArgumentException">The range does not lie inside the page (page_copy_sane).</exception>
    public long CopyPageToIter(Page page, int offset, int bytes) => CopyTo(PageRange(page, offset, bytes));

    /// <summary>copy_page_from_iter: <see cref="CopyFrom"/> into <paramref name="bytes"/> bytes of
    /// <paramref name="page"/> at <paramref name="offset"/>, faulting as the current task allows.</summary>
    /// <exception cref="ArgumentException">The range does not lie inside the page.</exception>
    public long CopyPageFromIter(Page page, int offset, int bytes) => CopyFrom(PageRange(page, offset, bytes));

    /// <summary>
    /// copy_page_from_iter_atomic: <see cref="CopyPageFromIter"/> with page faults disabled for the
    /// current task (kmap_atomic), so a user page that is not resident, or not readable without a fault,
    /// ends the copy there. Returns the bytes copied (possibly 0; the iterator advances by exactly that).
    /// On a Dest iterator returns 0. The buffered write path faults the source in first and retries.
    /// </summary>
    /// <exception cref="ArgumentException">The range does not lie inside the page.</exception>
    public long CopyPageFromIterAtomic(Page page, int offset, int bytes)
    {
        var range = PageRange(page, offset, bytes);
        if (_direction != IterDirection.Source) return 0;
        using (Faults.Disable())
            return CopyFrom(range);
    }

    /// <summary>
    /// iov_iter_zero: writes <paramref name="n"/> zero bytes into the iterator (clear_user for user kinds,
    /// which can come up short at a fault). Returns the bytes zeroed and advances by that. Like the
    /// kernel, it does not check the direction.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="n"/> is negative.</exception>
    public long Zero(long n)
    {
        CheckLength(n, nameof(n));
        var step = new ZeroStep();
        return Walk(ref _pos, n, ref step);
    }

    private static Span<byte> PageRange(Page page, int offset, int bytes)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (offset < 0 || bytes < 0 || offset > Page.Size - bytes)
            throw new ArgumentException($"page range (offset {offset}, {bytes} bytes) does not lie inside a {Page.Size}-byte page");
        return page.Span.Slice(offset, bytes);
    }

    private ref struct CopyToStep : IIterStep
    {
        private readonly ReadOnlySpan<byte> _src;

        public CopyToStep(ReadOnlySpan<byte> src) => _src = src;

        public readonly long User(AddressSpace mm, ulong addr, long len, long progress) =>
            mm.CopyToUser(addr, _src.Slice((int)progress, (int)len));

        public readonly long Kernel(Span<byte> piece, long progress)
        {
            _src.Slice((int)progress, piece.Length).CopyTo(piece);
            return 0;
        }

        public readonly long InPage(Page page, int offset, int len, long progress)
        {
            _src.Slice((int)progress, len).CopyTo(page.Span.Slice(offset, len));
            return 0;
        }
    }

    private ref struct CopyFromStep : IIterStep
    {
        private readonly Span<byte> _dst;

        public CopyFromStep(Span<byte> dst) => _dst = dst;

        public readonly long User(AddressSpace mm, ulong addr, long len, long progress) =>
            mm.CopyFromUser(addr, _dst.Slice((int)progress, (int)len));

        public readonly long Kernel(Span<byte> piece, long progress)
        {
            piece.CopyTo(_dst.Slice((int)progress));
            return 0;
        }

        public readonly long InPage(Page page, int offset, int len, long progress)
        {
            page.Span.Slice(offset, len).CopyTo(_dst.Slice((int)progress));
            return 0;
        }
    }

    private struct ZeroStep : IIterStep
    {
        public readonly long User(AddressSpace mm, ulong addr, long len, long progress) => mm.ClearUser(addr, len);

        public readonly long Kernel(Span<byte> piece, long progress)
        {
            piece.Clear();
            return 0;
        }

        public readonly long InPage(Page page, int offset, int len, long progress)
        {
            page.Span.Slice(offset, len).Clear();
            return 0;
        }
    }
}
