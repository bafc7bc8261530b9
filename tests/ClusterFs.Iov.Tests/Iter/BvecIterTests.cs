using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Iter;

public class BvecIterTests
{
    [Fact]
    public void CopyTo_and_CopyFrom_walk_the_page_pieces_in_order()
    {
        var buf = SegmentedBuffer.Bvec([100, 4096, 0, 37], [10, 0, 0, 4000]);
        var data = SegmentedBuffer.Pattern((int)buf.Total, 7);

        Assert.Equal(buf.Total, buf.NewIter(IterDirection.Dest).CopyTo(data));
        Assert.Equal(data, buf.Flatten());
        Assert.True(buf.GuardsIntact());

        var back = new byte[buf.Total];
        Assert.Equal(buf.Total, buf.NewIter(IterDirection.Source).CopyFrom(back));
        Assert.Equal(data, back);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, -1)]
    [InlineData(4000, 97)]
    public void A_piece_outside_its_page_is_refused(int offset, int length)
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            IovIter.CreateBvec(IterDirection.Dest, [new Bvec(new Page(), offset, length)]));
        Assert.Contains("inside", ex.Message);
    }

    [Fact]
    public void A_piece_without_a_page_is_refused()
    {
        Assert.Throws<ArgumentException>(() => IovIter.CreateBvec(IterDirection.Dest, [new Bvec(null!, 0, 1)]));
    }

    [Fact]
    public void GetPages_hands_out_the_current_page_only_and_advances_to_the_next_piece()
    {
        var buf = SegmentedBuffer.Bvec([100, 200], [10, 0]);
        var it = buf.NewIter(IterDirection.Dest);
        it.Advance(30);
        var pages = new Page[4];

        long got = it.GetPages(pages, 1000, 4, out int start);

        Assert.Equal(70, got);
        Assert.Equal(40, start);
        Assert.Same(buf.Bvecs[0].Page, pages[0]);
        Assert.Null(pages[1]);
        Assert.Equal(200, it.Count);
        Assert.Equal(1, it.NrSegs);
        Assert.Equal(0, it.IovOffset);
    }

    [Fact]
    public void GetPages_of_a_bvec_takes_a_page_reference_that_ReleasePages_drops()
    {
        var buf = SegmentedBuffer.Bvec([100], [0]);
        var page = buf.Bvecs[0].Page;
        int refs = page.RefCount;
        var it = buf.NewIter(IterDirection.Source);
        var pages = new Page[1];

        long got = it.GetPages(pages, 100, 1, out int start);
        Assert.Equal(refs + 1, page.RefCount);

        it.ReleasePages(pages.AsSpan(0, IovIter.PagesSpanned(start, got)));
        Assert.Equal(refs, page.RefCount);
    }

    [Fact]
    public void GetPages_honours_maxSize_and_maxPages_zero()
    {
        var buf = SegmentedBuffer.Bvec([100], [0]);
        var it = buf.NewIter(IterDirection.Source);

        Assert.Equal(0, it.GetPages(new Page[1], 100, 0, out _));
        Assert.Equal(25, it.GetPagesAlloc(25, out var pages, out int start));
        Assert.Equal(0, start);
        Assert.Same(buf.Bvecs[0].Page, Assert.Single(pages!));
        Assert.Equal(75, it.Count);
    }

    [Fact]
    public void GetPages_checks_its_arguments()
    {
        var it = SegmentedBuffer.Bvec([100], [0]).NewIter(IterDirection.Dest);

        Assert.Throws<ArgumentException>(() => it.GetPages(new Page[1], -1, 1, out _));
        Assert.Throws<ArgumentException>(() => it.GetPages(new Page[1], 10, -1, out _));
        Assert.Throws<ArgumentException>(() => it.GetPages(new Page[1], 10, 2, out _));
        Assert.Throws<ArgumentNullException>(() => it.GetPages(null!, 10, 1, out _));
        Assert.Equal(100, it.Count);
    }

    [Fact]
    public void CopyPageToIter_copies_the_page_range_and_checks_it_lies_inside_the_page()
    {
        var page = new Page();
        SegmentedBuffer.Pattern(Page.Size, 8).CopyTo(page.Span);
        var dst = new byte[50];
        var it = IovIter.CreateKvec(IterDirection.Dest, dst);

        Assert.Equal(50, it.CopyPageToIter(page, 4000, 50));
        Assert.Equal(page.Span[4000..4050].ToArray(), dst);
        Assert.Throws<ArgumentException>(() => it.CopyPageToIter(page, 4090, 7));
        Assert.Throws<ArgumentException>(() => it.CopyPageToIter(page, -1, 7));
    }

    [Fact]
    public void CopyPageFromIter_fills_the_page_range_only()
    {
        var page = new Page();
        var src = SegmentedBuffer.Pattern(30, 9);
        var it = IovIter.CreateKvec(IterDirection.Source, src);

        Assert.Equal(30, it.CopyPageFromIter(page, 100, 40));
        Assert.Equal(src, page.Span[100..130].ToArray());
        Assert.All(page.Span[130..].ToArray(), b => Assert.Equal(0, b));
        Assert.All(page.Span[..100].ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Fault_in_of_a_bvec_always_succeeds()
    {
        var it = SegmentedBuffer.Bvec([100], [0]).NewIter(IterDirection.Dest);

        Assert.Equal(0, FaultInIter.FaultInIovIterWriteable(it, 4096));
        Assert.Equal(0, FaultInIter.FaultInIovIterReadable(it, 4096));
    }
}
