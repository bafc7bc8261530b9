using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Tests.Mm;

public sealed class FaultInTests
{
    private const int P = Page.Size;
    private const ulong Base = 0x4000_0000;

    /// <summary>Maps <paramref name="pages"/> anonymous pages at Base with a hole after them.</summary>
    private static AddressSpace Anon(int pages)
    {
        var mm = new AddressSpace();
        Assert.Equal((long)Base, mm.Mmap(Base, pages * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed));
        return mm;
    }

    [Fact]
    public void ReadableFaultsInAnonymousMemoryAsTheZeroPage()
    {
        using var mm = Anon(3);
        Assert.Equal(0, FaultIn.Readable(mm, Base + 10, 3 * P - 10));
        for (int i = 0; i < 3; i++) Assert.Same(Page.Zero, mm.GetPte(Base + (ulong)(i * P))!.Page);
    }

    [Fact]
    public void PartialSuccessReportsTheBytesFromTheFirstFailingPage()
    {
        using var mm = Anon(2);
        Assert.Equal(3 * P - (2 * P - 100), FaultIn.Readable(mm, Base + 100, 3 * P));
        Assert.Equal(3 * P - (2 * P - 100), FaultIn.Writeable(mm, Base + 100, 3 * P));
        Assert.Equal(3 * P - (2 * P - 100), FaultIn.SafeWriteable(mm, Base + 100, 3 * P));
    }

    [Fact]
    public void FailureAtTheFirstByteReportsEverything()
    {
        using var mm = Anon(1);
        Assert.Equal(50, FaultIn.Readable(mm, Base + P + 7, 50));
        Assert.Equal(50, FaultIn.Writeable(mm, Base + P + 7, 50));
        Assert.Equal(50, FaultIn.SafeWriteable(mm, Base + P + 7, 50));
    }

    [Fact]
    public void OnlyTheFirstByteOfEachPageIsProbedSoATailInsideTheLastPageCounts()
    {
        using var mm = Anon(2);
        // Range ends 1 byte into page 2 (unmapped): page granularity probes page 2's first byte.
        Assert.Equal(1, FaultIn.Readable(mm, Base, 2 * P + 1));
        Assert.Equal(0, FaultIn.Readable(mm, Base, 2 * P));
    }

    [Fact]
    public void WriteableIsDestructiveAndSafeWriteableIsNot()
    {
        using var mm = Anon(2);
        Assert.Equal(0, mm.CopyToUser(Base, Enumerable.Repeat((byte)6, 2 * P).ToArray()));
        Assert.Equal(0, FaultIn.SafeWriteable(mm, Base + 1, 2 * P - 1));
        var buf = new byte[2 * P];
        mm.CopyFromUser(Base, buf);
        Assert.All(buf, b => Assert.Equal(6, b));
        Assert.Equal(0, FaultIn.Writeable(mm, Base + 1, 2 * P - 1));
        mm.CopyFromUser(Base, buf);
        Assert.Equal(0, buf[1]);
        Assert.Equal(0, buf[P]);
        Assert.Equal(6, buf[2]);
    }

    [Fact]
    public void SafeWriteableReplacesZeroPagePtesAndBreaksCopyOnWrite()
    {
        using var mm = new AddressSpace();
        var ops = new CountingVmOperations();
        Assert.True(mm.Mmap(Base, P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed) > 0);
        Assert.True(mm.MmapFile(Base + P, P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed, new VmMapping(ops), 0) > 0);
        Assert.Equal(0, FaultIn.Readable(mm, Base, 2 * P));
        Assert.Same(Page.Zero, mm.GetPte(Base)!.Page);
        Assert.Same(ops.CachePage(0), mm.GetPte(Base + P)!.Page);
        Assert.Equal(0, FaultIn.SafeWriteable(mm, Base, 2 * P));
        Assert.True(mm.GetPte(Base)!.IsWritable);
        Assert.False(mm.GetPte(Base)!.Page!.IsZeroPage);
        Assert.NotSame(ops.CachePage(0), mm.GetPte(Base + P)!.Page);
        Assert.Equal(CountingVmOperations.Pattern(0, 5), mm.GetPte(Base + P)!.Page!.Span[5]);
    }

    [Fact]
    public void SafeWriteableReportsALaterFailingPageInsteadOfUpstreamsZero()
    {
        using var mm = Anon(1);
        // Upstream before 2025 returned 0 here; the intended result is the inaccessible suffix.
        Assert.Equal(P, FaultIn.SafeWriteable(mm, Base, 2 * P));
        Assert.Equal(P + 1, FaultIn.SafeWriteable(mm, Base + P - 1, P + 2));
    }

    [Fact]
    public void ReadOnlyMemoryIsReadableButNotWriteable()
    {
        using var mm = new AddressSpace();
        Assert.True(mm.Mmap(Base, P, Prot.Read, MapFlags.Private | MapFlags.Fixed) > 0);
        Assert.Equal(0, FaultIn.Readable(mm, Base, P));
        Assert.Equal(P, FaultIn.Writeable(mm, Base, P));
        Assert.Equal(P, FaultIn.SafeWriteable(mm, Base, P));
    }

    [Fact]
    public void WithFaultsDisabledFaultInOnlyProbes()
    {
        using var mm = Anon(2);
        Assert.Equal(0, mm.CopyFromUser(Base, new byte[1])); // page 0: zero page
        using (Faults.Disable())
        {
            Assert.Equal(P, FaultIn.Readable(mm, Base, 2 * P));
            Assert.Equal(2 * P, FaultIn.Writeable(mm, Base, 2 * P));
            Assert.Equal(2 * P, FaultIn.SafeWriteable(mm, Base, 2 * P));
        }
        Assert.Same(Page.Zero, mm.GetPte(Base)!.Page);
        Assert.Null(mm.GetPte(Base + P));
        Assert.Equal(0, FaultIn.SafeWriteable(mm, Base, 2 * P));
        using (Faults.Disable())
            Assert.Equal(0, FaultIn.SafeWriteable(mm, Base, 2 * P));
    }

    [Fact]
    public void OverflowingAndBadRangesAreSafe()
    {
        using var mm = new AddressSpace();
        ulong top = AddressSpace.TaskSize - 2 * P;
        Assert.True(mm.Mmap(top, 2 * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed) > 0);
        Assert.Equal(0, FaultIn.Readable(mm, top, 2 * P));
        // Beyond TASK_SIZE: access_ok fails for the probing helpers; the fixup walk stops at the top.
        Assert.Equal(long.MaxValue, FaultIn.Readable(mm, top, long.MaxValue));
        Assert.Equal(long.MaxValue, FaultIn.Writeable(mm, ulong.MaxValue - 10, long.MaxValue));
        Assert.Equal(long.MaxValue - 2 * P, FaultIn.SafeWriteable(mm, top, long.MaxValue));
        Assert.Equal(20, FaultIn.SafeWriteable(mm, ulong.MaxValue - 10, 20));
        Assert.Equal(0, FaultIn.Readable(mm, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaultIn.Readable(mm, top, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaultIn.SafeWriteable(mm, top, -1));
        mm.Dispose();
        Assert.Equal(10, FaultIn.Readable(mm, top, 10));
        Assert.Equal(10, FaultIn.SafeWriteable(mm, top, 10));
    }
}
