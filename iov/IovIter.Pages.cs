using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov;

// iov_iter_get_pages2 / iov_iter_get_pages_alloc2.
public sealed partial class IovIter
{
    /// <summary>
    /// iov_iter_get_pages2: gets the pages under the first non-empty segment (never crossing into the
    /// next), at most <paramref name="maxSize"/> bytes (clamped to <see cref="Count"/> and
    /// <see cref="MaxRwCount"/>) and <paramref name="maxPages"/> pages, into <paramref name="pages"/>
    /// from index 0. <paramref name="start"/> is the offset of the first byte in the first page.
    /// User kinds call <see cref="AddressSpace.GetUserPages"/> with Write when the iterator is a Dest and
    /// NoFault when <see cref="NoFault"/> is set; BVEC hands out its page with a reference taken.
    /// Returns the bytes covered (the iterator advances by that), or 0 when no page could be had (never a
    /// negative count, also for an unaligned start), or -EFAULT for KVEC and DISCARD, which have no pages.
    /// Release what was got with <see cref="ReleasePages"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Negative sizes, or <paramref name="pages"/> shorter than <paramref name="maxPages"/>.</exception>
    public long GetPages(Page[] pages, long maxSize, int maxPages, out int start)
    {
        ArgumentNullException.ThrowIfNull(pages);
        CheckLength(maxSize, nameof(maxSize));
        if (maxPages < 0) throw new ArgumentException($"maxPages must not be negative, got {maxPages}", nameof(maxPages));
        if (pages.Length < maxPages)
            throw new ArgumentException($"the pages array holds {pages.Length} entries, fewer than maxPages {maxPages}", nameof(pages));
        start = 0;
        if (maxPages == 0) return 0;
        Page[]? array = pages;
        return GetPagesCore(ref array, maxSize, maxPages, out start);
    }

    /// <summary>
    /// iov_iter_get_pages_alloc2: <see cref="GetPages"/> into a new array sized for the pages needed.
    /// When the result is not positive, <paramref name="pages"/> is null.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="maxSize"/> is negative.</exception>
    public long GetPagesAlloc(long maxSize, out Page[]? pages, out int start)
    {
        CheckLength(maxSize, nameof(maxSize));
        pages = null;
        long got = GetPagesCore(ref pages, maxSize, int.MaxValue, out start);
        if (got <= 0) pages = null;
        return got;
    }

    /// <summary>
    /// put_page for every page got by <see cref="GetPages"/>/<see cref="GetPagesAlloc"/> (user pages
    /// and BVEC pages both carry a reference). Pass exactly the pages got:
    /// <see cref="PagesSpanned"/>(start, result) of them.
    /// </summary>
    /// <exception cref="InvalidOperationException">A page released more often than it was got.</exception>
    public void ReleasePages(ReadOnlySpan<Page> pages) => AddressSpace.ReleasePages(pages, GupFlags.None);

    /// <summary>The number of pages a <see cref="GetPages"/> result covers: <paramref name="bytes"/> bytes
    /// starting <paramref name="start"/> bytes into the first page (0 when <paramref name="bytes"/> is not positive).</summary>
    public static int PagesSpanned(int start, long bytes) =>
        bytes <= 0 ? 0 : (int)((start + bytes + Page.Size - 1) >> Page.Shift);

    private long GetPagesCore(ref Page[]? pages, long maxSize, int maxPages, out int start)
    {
        start = 0;
        if (maxSize > MaxRwCount) maxSize = MaxRwCount;
        if (_pos.Count == 0 || maxSize == 0) return 0;
        if (!IsUserBacked && _kind != IterKind.Bvec) return Errno.EFAULT.Negative;
        GupFlags flags = GupFlags.None;
        if (_direction == IterDirection.Dest) flags |= GupFlags.Write;
        if (NoFault) flags |= GupFastOnly ? GupFlags.FastOnly : GupFlags.NoFault;
        var step = new GetPagesStep(pages, maxPages, flags);
        long got = Walk(ref _pos, maxSize, ref step);
        pages = step.Pages;
        start = step.Start;
        return got;
    }

    /// <summary>Gets the pages of the first piece it is given and refuses every later one, so the walk
    /// never crosses a segment boundary.</summary>
    private struct GetPagesStep : IIterStep
    {
        private readonly int _maxPages;
        private readonly GupFlags _flags;
        private bool _done;

        public GetPagesStep(Page[]? pages, int maxPages, GupFlags flags)
        {
            Pages = pages;
            _maxPages = maxPages;
            _flags = flags;
        }

        public Page[]? Pages { get; private set; }

        public int Start { get; private set; }

        public long User(AddressSpace mm, ulong addr, long len, long progress)
        {
            if (_done) return len;
            _done = true;
            Start = (int)(addr & (Page.Size - 1));
            // len <= MaxRwCount, so this cannot overflow.
            int n = (int)Math.Min((Start + len + Page.Size - 1) >> Page.Shift, _maxPages);
            Pages ??= new Page[n];
            long res = mm.GetUserPages(addr & Page.Mask, n, _flags, Pages);
            // No page (0 or -errno from GUP) is reported as 0 bytes, never as a negative count.
            if (res <= 0) return len;
            return len - Math.Min(len, Math.Min(res, n) * (long)Page.Size - Start);
        }

        public long Kernel(Span<byte> piece, long progress) =>
            throw new InvalidOperationException("KVEC iterators have no pages to get");

        public long InPage(Page page, int offset, int len, long progress)
        {
            if (_done) return len;
            _done = true;
            Pages ??= new Page[1];
            page.Get(); // as the kernel's folio_get: the caller puts it with ReleasePages
            Pages[0] = page;
            Start = offset;
            return 0;
        }
    }
}
