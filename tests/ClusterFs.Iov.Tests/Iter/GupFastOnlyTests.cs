using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Iter;

/// <summary>The test-only <see cref="IovIter.GupFastOnly"/> switch: with NoFault, GetPages takes only what the
/// lockless walk finds.</summary>
public class GupFastOnlyTests
{
    private const int P = Page.Size;

    [Fact]
    public void GetPages_with_GupFastOnly_refuses_the_zero_page_that_NoFault_finds_for_a_source()
    {
        using var mm = new AddressSpace();
        ulong addr = (ulong)mm.Mmap(0, 2 * P, Prot.Read | Prot.Write, MapFlags.Private);
        Assert.Equal(0, FaultIn.Readable(mm, addr, 2 * P));
        var pages = new Page[2];

        var fast = IovIter.CreateUbuf(IterDirection.Source, mm, addr, 2 * P);
        fast.NoFault = true;
        fast.GupFastOnly = true;
        Assert.Equal(0, fast.GetPages(pages, 2 * P, 2, out _));
        Assert.Equal(2 * P, fast.Count);

        var slow = IovIter.CreateUbuf(IterDirection.Source, mm, addr, 2 * P);
        slow.NoFault = true;
        Assert.Equal(2 * P, slow.GetPages(pages, 2 * P, 2, out _));
        Assert.Same(Page.Zero, pages[0]);
        slow.ReleasePages(pages);
    }

    [Fact]
    public void GetPages_with_GupFastOnly_takes_resident_writable_pages()
    {
        using var mm = new AddressSpace();
        ulong addr = (ulong)mm.Mmap(0, 2 * P, Prot.Read | Prot.Write, MapFlags.Private);
        Assert.Equal(0, mm.CopyToUser(addr, new byte[2 * P]));
        var it = IovIter.CreateUbuf(IterDirection.Dest, mm, addr, 2 * P);
        it.NoFault = true;
        it.GupFastOnly = true;
        var pages = new Page[2];
        Assert.Equal(2 * P, it.GetPages(pages, 2 * P, 2, out _));
        it.ReleasePages(pages);
    }

    [Fact]
    public void GupFastOnly_without_NoFault_changes_nothing()
    {
        using var mm = new AddressSpace();
        ulong addr = (ulong)mm.Mmap(0, P, Prot.Read | Prot.Write, MapFlags.Private);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mm, addr, P);
        it.GupFastOnly = true;
        var pages = new Page[1];
        // Not NoFault: the slow path faults the absent page in.
        Assert.Equal(P, it.GetPages(pages, P, 1, out _));
        it.ReleasePages(pages);
    }
}
