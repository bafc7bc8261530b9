using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Iter;

public class GetPagesTests
{
    private const int P = Page.Size;

    [Fact]
    public void GetPages_of_a_ubuf_returns_the_mapped_pages_and_advances_by_the_bytes_covered()
    {
        using var mem = UserMemory.Create([PageState.Resident, PageState.Resident, PageState.Resident], 1);
        var it = IovIter.CreateUbuf(IterDirection.Source, mem.Mm, mem.Base + 100, 3 * P - 100);
        var pages = new Page[2];

        long got = it.GetPages(pages, 3 * P, 2, out int start);

        Assert.Equal(2 * P - 100, got);
        Assert.Equal(100, start);
        Assert.Same(mem.Mm.GetPte(mem.Base)!.Page, pages[0]);
        Assert.Same(mem.Mm.GetPte(mem.Base + P)!.Page, pages[1]);
        Assert.Equal(P, it.Count);
        Assert.Equal(2, IovIter.PagesSpanned(start, got));
        int refs = pages[0].RefCount;
        it.ReleasePages(pages.AsSpan(0, IovIter.PagesSpanned(start, got)));
        Assert.Equal(refs - 1, pages[0].RefCount);
    }

    [Fact]
    public void PagesSpanned_counts_the_pages_under_a_result()
    {
        Assert.Equal(0, IovIter.PagesSpanned(100, 0));
        Assert.Equal(1, IovIter.PagesSpanned(0, P));
        Assert.Equal(2, IovIter.PagesSpanned(1, P));
        Assert.Equal(1, IovIter.PagesSpanned(P - 1, 1));
    }

    [Fact]
    public void GetPages_of_an_iovec_uses_the_first_non_empty_segment_only()
    {
        using var mem = UserMemory.Create([PageState.Resident, PageState.Resident], 2);
        var it = IovIter.CreateIovec(IterDirection.Source, mem.Mm, [new(mem.Base, 0), new(mem.Base + P, 10), new(mem.Base, 10)]);

        long got = it.GetPagesAlloc(1000, out var pages, out int start);

        Assert.Equal(10, got);
        Assert.Equal(0, start);
        Assert.Same(mem.Mm.GetPte(mem.Base + P)!.Page, Assert.Single(pages!));
        Assert.Equal(10, it.Count);
        it.ReleasePages(pages);
    }

    [Fact]
    public void GetPages_with_no_page_to_be_had_returns_zero_not_a_negative_count_also_for_an_unaligned_start()
    {
        using var mem = UserMemory.Create([PageState.Hole, PageState.Resident], 3);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base + 123, 2 * P - 123);

        Assert.Equal(0, it.GetPages(new Page[2], 2 * P, 2, out _));
        Assert.Equal(0, it.GetPagesAlloc(2 * P, out var pages, out _));
        Assert.Null(pages);
        Assert.Equal(2 * P - 123, it.Count);
    }

    [Fact]
    public void GetPages_of_a_destination_asks_for_writable_pages_so_a_read_only_page_gives_nothing()
    {
        using var mem = UserMemory.Create([PageState.ReadOnly], 4);
        var dest = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base, P);
        var source = IovIter.CreateUbuf(IterDirection.Source, mem.Mm, mem.Base, P);
        var pages = new Page[1];

        Assert.Equal(0, dest.GetPages(pages, P, 1, out _));
        Assert.Equal(P, source.GetPages(pages, P, 1, out _));
        source.ReleasePages(pages);
    }

    [Fact]
    public void NoFault_makes_GetPages_fail_on_a_page_that_needs_a_fault_and_fault_in_cures_it()
    {
        using var mem = UserMemory.Create([PageState.Untouched], 5);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base, P);
        it.NoFault = true;
        var pages = new Page[1];

        Assert.Equal(0, it.GetPages(pages, P, 1, out _));
        Assert.Null(mem.Mm.GetPte(mem.Base));

        Assert.Equal(0, FaultInIter.FaultInIovIterWriteable(it, P));
        Assert.Equal(P, it.GetPages(pages, P, 1, out _));
        it.ReleasePages(pages);
    }

    [Fact]
    public void A_read_fault_leaves_the_zero_page_which_a_nofault_write_GetPages_can_never_use()
    {
        using var mem = UserMemory.Create([PageState.Untouched], 6);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base, P);
        it.NoFault = true;

        Assert.Equal(0, FaultInIter.FaultInIovIterReadable(it, P));
        Assert.True(mem.Mm.GetPte(mem.Base)!.Page!.IsZeroPage);
        Assert.Equal(0, it.GetPages(new Page[1], P, 1, out _));
        Assert.Equal(0, it.GetPages(new Page[1], P, 1, out _));
    }

    [Fact]
    public void GetPages_without_NoFault_faults_the_page_in()
    {
        using var mem = UserMemory.Create([PageState.Untouched], 7);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base, P);
        var pages = new Page[1];

        Assert.Equal(P, it.GetPages(pages, P, 1, out _));
        Assert.Same(mem.Mm.GetPte(mem.Base)!.Page, pages[0]);
        it.ReleasePages(pages);
    }
}
