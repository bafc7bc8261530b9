using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Tests.Mm;

public sealed class GupTests
{
    private const int P = Page.Size;
    private const ulong Base = 0x3000_0000;

    private static AddressSpace Anon(int pages, Prot prot = Prot.Read | Prot.Write)
    {
        var mm = new AddressSpace();
        Assert.Equal((long)Base, mm.Mmap(Base, pages * P, prot, MapFlags.Private | MapFlags.Fixed));
        return mm;
    }

    [Fact]
    public void GupOfResidentPagesReturnsTheMappedPagesWithAReference()
    {
        using var mm = Anon(3);
        Assert.Equal(0, mm.CopyToUser(Base, new byte[3 * P]));
        var pages = new Page[3];
        Assert.Equal(3, mm.GetUserPages(Base, 3, GupFlags.Write | GupFlags.FastOnly, pages));
        for (int i = 0; i < 3; i++)
        {
            Assert.Same(mm.GetPte(Base + (ulong)(i * P))!.Page, pages[i]);
            Assert.Equal(2, pages[i].RefCount);
        }
        AddressSpace.ReleasePages(pages, GupFlags.None);
        Assert.All(pages, p => Assert.Equal(1, p.RefCount));
        Assert.Throws<InvalidOperationException>(() => { AddressSpace.ReleasePages(pages, GupFlags.None); AddressSpace.ReleasePages(pages, GupFlags.None); });
    }

    [Fact]
    public void FastOnlyNeverSucceedsOnAZeroPagePteHoweverOftenTried()
    {
        using var mm = Anon(2);
        Assert.Equal(0, FaultIn.Readable(mm, Base, 2 * P));
        for (int round = 0; round < 5; round++)
        {
            Assert.Equal(0, mm.GetUserPages(Base, 2, GupFlags.FastOnly, new Page[2]));
            Assert.Equal(0, mm.GetUserPages(Base, 2, GupFlags.FastOnly | GupFlags.Write, new Page[2]));
            Assert.Equal(0, FaultIn.Readable(mm, Base, 2 * P)); // the livelock: fault-in "succeeds" every time
        }
    }

    [Fact]
    public void FastOnlyReturnsZeroNotAnErrorForAbsentAndOutOfRangePages()
    {
        using var mm = Anon(1);
        Assert.Equal(0, mm.GetUserPages(Base, 1, GupFlags.FastOnly, null));
        Assert.Equal(0, mm.GetUserPages(AddressSpace.TaskSize - P, 4, GupFlags.FastOnly, null));
        Assert.Equal(-14, mm.GetUserPages(AddressSpace.TaskSize - P, 4, GupFlags.None, null));
    }

    [Fact]
    public void NoFaultReadGupOfAZeroPagePteReturnsTheZeroPage()
    {
        using var mm = Anon(1);
        Assert.Equal(0, mm.CopyFromUser(Base, new byte[1]));
        var pages = new Page[1];
        Assert.Equal(1, mm.GetUserPages(Base, 1, GupFlags.NoFault, pages));
        Assert.Same(Page.Zero, pages[0]);
        AddressSpace.ReleasePages(pages, GupFlags.None);
    }

    [Fact]
    public void NoFaultWriteGupOfAZeroPagePteFailsEveryTimeUntilAWriteFaultIn()
    {
        using var mm = Anon(1);
        Assert.Equal(0, FaultIn.Readable(mm, Base, P));
        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(-14, mm.GetUserPages(Base, 1, GupFlags.NoFault | GupFlags.Write, new Page[1]));
            Assert.Equal(0, FaultIn.Readable(mm, Base, P)); // read fault-in does not cure it
        }
        Assert.Equal(0, FaultIn.SafeWriteable(mm, Base, P));
        var pages = new Page[1];
        Assert.Equal(1, mm.GetUserPages(Base, 1, GupFlags.NoFault | GupFlags.Write, pages));
        Assert.False(pages[0].IsZeroPage);
    }

    [Fact]
    public void NoFaultGupReturnsTheResidentPrefixThenStops()
    {
        using var mm = Anon(4);
        Assert.Equal(0, mm.CopyToUser(Base, new byte[2 * P]));
        var pages = new Page[4];
        Assert.Equal(2, mm.GetUserPages(Base, 4, GupFlags.NoFault | GupFlags.Write, pages));
        Assert.Null(mm.GetPte(Base + 2 * P));
        Assert.Equal(-14, mm.GetUserPages(Base + 2 * P, 2, GupFlags.NoFault, pages));
    }

    [Fact]
    public void SlowPathGupFaultsPagesInUnlessNoFault()
    {
        using var mm = Anon(3);
        var pages = new Page[3];
        Assert.Equal(3, mm.GetUserPages(Base, 3, GupFlags.Write | GupFlags.Touch, pages));
        Assert.All(pages, p => Assert.True(p.IsAnonymous));
        var pte = mm.GetPte(Base + 2 * P)!;
        Assert.True(pte.IsWritable && pte.IsDirty && pte.IsAccessed);
        pages[1].Span[0] = 99; // a write through the page shows up in user memory
        var one = new byte[1];
        mm.CopyFromUser(Base + P, one);
        Assert.Equal(99, one[0]);
    }

    [Fact]
    public void WriteGupOfASharedFileMappingCallsPageMkwrite()
    {
        using var mm = new AddressSpace();
        var ops = new CountingVmOperations();
        Assert.True(mm.MmapFile(Base, P, Prot.Read | Prot.Write, MapFlags.Shared | MapFlags.Fixed, new VmMapping(ops), 0) > 0);
        var pages = new Page[1];
        Assert.Equal(1, mm.GetUserPages(Base, 1, GupFlags.Write, pages));
        Assert.Same(ops.CachePage(0), pages[0]);
        Assert.Equal(1, ops.MkwriteCalls);
    }

    [Fact]
    public void GupRefusesIoAndPfnMapVmasWhilePlainAccessesWork()
    {
        using var mm = new AddressSpace();
        var frames = new[] { new Page(), new Page() };
        foreach (bool pfn in new[] { false, true })
        {
            long addr = mm.MmapFrames(0, frames, Prot.Read | Prot.Write, MapFlags.Shared, pfn);
            Assert.Equal(0, mm.CopyToUser((ulong)addr, new byte[2 * P]));
            foreach (var flags in new[] { GupFlags.None, GupFlags.Write, GupFlags.NoFault, GupFlags.Pin, GupFlags.Pin | GupFlags.Write })
                Assert.Equal(-14, mm.GetUserPages((ulong)addr, 2, flags, new Page[2]));
            Assert.Equal(0, mm.GetUserPages((ulong)addr, 2, GupFlags.FastOnly, new Page[2]));
            Assert.Equal(0, FaultIn.SafeWriteable(mm, (ulong)addr, 2 * P));
        }
    }

    [Fact]
    public void WriteGupOfAReadOnlyVmaIsEfault()
    {
        using var mm = Anon(1, Prot.Read);
        Assert.Equal(-14, mm.GetUserPages(Base, 1, GupFlags.Write, new Page[1]));
        Assert.Equal(1, mm.GetUserPages(Base, 1, GupFlags.None, new Page[1]));
    }

    [Fact]
    public void PinnedPagesSurviveMadviseDontNeedWithTheirData()
    {
        using var mm = Anon(2);
        var data = Enumerable.Range(0, 2 * P).Select(i => (byte)(i * 13)).ToArray();
        Assert.Equal(0, mm.CopyToUser(Base, data));
        var pages = new Page[2];
        Assert.Equal(2, mm.GetUserPages(Base, 2, GupFlags.Pin | GupFlags.Write, pages));
        Assert.True(mm.Madvise(Base, 2 * P, Advice.DontNeed).IsOk);
        Assert.All(pages, p => Assert.Equal(1, p.PinCount));
        Assert.Equal(data.AsSpan(0, P).ToArray(), pages[0].Span.ToArray());
        Assert.Equal(data.AsSpan(P).ToArray(), pages[1].Span.ToArray());
        var back = new byte[P];
        Assert.Equal(0, mm.CopyFromUser(Base, back));
        Assert.All(back, b => Assert.Equal(0, b));
        AddressSpace.ReleasePages(pages, GupFlags.Pin);
        Assert.All(pages, p => Assert.False(p.MaybeDmaPinned));
    }

    [Fact]
    public void PinsAreCountedWithTheBiasAndAnUnpinWithoutAPinThrows()
    {
        using var mm = Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, mm.GetUserPages(Base, 1, GupFlags.Write | GupFlags.Pin, pages));
        Assert.Equal(1, mm.GetUserPages(Base, 1, GupFlags.Write | GupFlags.Pin, new Page[1]));
        Assert.Equal(2, pages[0].PinCount);
        Assert.Equal(1 + 2 * Page.PinCountingBias, pages[0].RefCount);
        AddressSpace.ReleasePages(pages, GupFlags.Pin);
        AddressSpace.ReleasePages(pages, GupFlags.Pin);
        Assert.False(pages[0].MaybeDmaPinned);
        Assert.Throws<InvalidOperationException>(() => AddressSpace.ReleasePages(pages, GupFlags.Pin));
        Assert.Equal(1, pages[0].RefCount);
    }

    [Fact]
    public void BadGupArgumentsGiveZeroErrnoOrArgumentException()
    {
        using var mm = Anon(1);
        Assert.Equal(0, mm.GetUserPages(Base, 0, GupFlags.None, null));
        Assert.Equal(0, mm.GetUserPages(Base, -5, GupFlags.None, null));
        Assert.Equal(0, mm.GetUserPages(ulong.MaxValue & Page.Mask, 2, GupFlags.None, null));
        Assert.Throws<ArgumentException>(() => mm.GetUserPages(Base, 1, GupFlags.Pin, null));
        Assert.Throws<ArgumentException>(() => mm.GetUserPages(Base, 2, GupFlags.None, new Page[1]));
        Assert.Equal(-14, mm.GetUserPages(Base + P, 1, GupFlags.None, null));
        // An unaligned start is rounded down to its page, as the kernel does.
        var pages = new Page[1];
        Assert.Equal(1, mm.GetUserPages(Base + 5, 1, GupFlags.Write, pages));
        Assert.Same(mm.GetPte(Base)!.Page, pages[0]);
        mm.Dispose();
        Assert.Equal(-14, mm.GetUserPages(Base, 1, GupFlags.None, null));
        Assert.Equal(0, mm.GetUserPages(Base, 1, GupFlags.FastOnly, null));
    }

    [Fact]
    public void FatalSignalStopsTheSlowPathWithEintr()
    {
        using var mm = Anon(2);
        Assert.Equal(0, mm.CopyToUser(Base, new byte[1]));
        var task = TaskContext.Current;
        task.FatalSignalPending = true;
        try
        {
            Assert.Equal(1, mm.GetUserPages(Base, 2, GupFlags.Write, new Page[2]));
            Assert.Equal(-4, mm.GetUserPages(Base + P, 1, GupFlags.Write, new Page[1]));
        }
        finally { task.ClearSignals(); }
    }
}
