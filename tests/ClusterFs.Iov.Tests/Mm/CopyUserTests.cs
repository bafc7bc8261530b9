using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Tests.Mm;

public sealed class CopyUserTests
{
    private const int P = Page.Size;

    private static (AddressSpace mm, ulong addr) MapAnon(int pages, Prot prot = Prot.Read | Prot.Write)
    {
        var mm = new AddressSpace();
        long addr = mm.Mmap(0, pages * P, prot, MapFlags.Private);
        Assert.True(addr > 0, $"mmap failed: {addr}");
        return (mm, (ulong)addr);
    }

    [Fact]
    public void CopyToUserThenCopyFromUserRoundTripsAcrossPages()
    {
        var (mm, addr) = MapAnon(4);
        var data = new byte[3 * P + 100];
        new Random(1).NextBytes(data);
        Assert.Equal(0, mm.CopyToUser(addr + 50, data));
        var back = new byte[data.Length];
        Assert.Equal(0, mm.CopyFromUser(addr + 50, back));
        Assert.Equal(data, back);
    }

    [Fact]
    public void ReadOfNeverWrittenAnonymousMemoryReturnsZeroes()
    {
        var (mm, addr) = MapAnon(2);
        var buf = Enumerable.Repeat((byte)0xAA, 2 * P).ToArray();
        Assert.Equal(0, mm.CopyFromUser(addr, buf));
        Assert.All(buf, b => Assert.Equal(0, b));
    }

    [Fact]
    public void CopyToUserStopsExactlyAtTheFirstUnmappedPage()
    {
        var (mm, addr) = MapAnon(3);
        Assert.True(mm.Munmap(addr + 2 * P, P).IsOk);
        var data = new byte[2 * P];
        new Random(2).NextBytes(data);
        // Starts 10 bytes before the page boundary ahead of the hole: 10 + P bytes fit, the rest do not.
        ulong start = addr + P - 10;
        long left = mm.CopyToUser(start, data);
        Assert.Equal(data.Length - (10 + P), left);
        var back = new byte[10 + P];
        Assert.Equal(0, mm.CopyFromUser(start, back));
        Assert.Equal(data.AsSpan(0, 10 + P).ToArray(), back);
    }

    [Fact]
    public void CopyFromUserLeavesTheUncopiedTailOfTheDestinationUntouched()
    {
        var (mm, addr) = MapAnon(1);
        Assert.Equal(0, mm.CopyToUser(addr, Enumerable.Repeat((byte)7, P).ToArray()));
        var buf = Enumerable.Repeat((byte)0xEE, P + 8).ToArray();
        Assert.Equal(8, mm.CopyFromUser(addr + 0, buf.AsSpan(0, P + 8)));
        Assert.All(buf.AsSpan(0, P).ToArray(), b => Assert.Equal(7, b));
        Assert.All(buf.AsSpan(P).ToArray(), b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void CopyToReadOnlyMappingCopiesNothing()
    {
        var (mm, addr) = MapAnon(1, Prot.Read);
        Assert.Equal(5, mm.CopyToUser(addr, new byte[5]));
        Assert.Equal(0, mm.CopyFromUser(addr, new byte[5]));
    }

    [Fact]
    public void ClearUserZeroesExactlyTheRequestedBytes()
    {
        var (mm, addr) = MapAnon(2);
        Assert.Equal(0, mm.CopyToUser(addr, Enumerable.Repeat((byte)9, 2 * P).ToArray()));
        Assert.Equal(0, mm.ClearUser(addr + 100, P));
        var back = new byte[2 * P];
        mm.CopyFromUser(addr, back);
        for (int i = 0; i < back.Length; i++)
            Assert.Equal(i >= 100 && i < 100 + P ? 0 : 9, back[i]);
    }

    [Fact]
    public void WithFaultsDisabledACopyToAbsentPagesFailsWithoutFaulting()
    {
        var (mm, addr) = MapAnon(2);
        Assert.Equal(0, mm.CopyToUser(addr, new byte[P])); // page 0 resident and writable
        long left;
        using (Faults.Disable())
            left = mm.CopyToUser(addr, new byte[2 * P]);
        Assert.Equal(P, left);
        Assert.Null(mm.GetPte(addr + P));
    }

    [Fact]
    public void WithFaultsDisabledAWriteToTheZeroPageFailsAtThatPage()
    {
        var (mm, addr) = MapAnon(1);
        Assert.Equal(0, mm.CopyFromUser(addr, new byte[1])); // read fault maps the zero page
        using (Faults.Disable())
        {
            Assert.Equal(0, mm.CopyFromUser(addr, new byte[P]));
            Assert.Equal(P, mm.CopyToUser(addr, new byte[P]));
        }
        Assert.True(mm.GetPte(addr)!.Page!.IsZeroPage);
    }

    [Fact]
    public void FaultDisableScopesNestAndRestore()
    {
        var task = TaskContext.Current;
        Assert.False(task.PagefaultsDisabled);
        using (Faults.Disable())
        {
            using (Faults.Disable()) Assert.Equal(2, task.PagefaultDisableDepth);
            Assert.True(Faults.AreDisabled);
        }
        Assert.False(Faults.AreDisabled);
    }

    [Fact]
    public void AccessesAfterDisposeFailWithoutThrowing()
    {
        var (mm, addr) = MapAnon(1);
        Assert.Equal(0, mm.CopyToUser(addr, new byte[10]));
        mm.Dispose();
        Assert.Equal(10, mm.CopyToUser(addr, new byte[10]));
        Assert.Equal(10, mm.CopyFromUser(addr, new byte[10]));
        Assert.Equal(10, mm.ClearUser(addr, 10));
        Assert.Equal(Errno.EFAULT, Errno.FromResult(mm.Mmap(0, P, Prot.Read, MapFlags.Private)));
        Assert.Equal(Errno.EFAULT, mm.HandleUserFault(addr, FaultFlags.None));
        mm.Dispose();
    }

    [Fact]
    public void RangesThatWrapOrPassTaskSizeCopyNothing()
    {
        var mm = new AddressSpace();
        Assert.Equal(16, mm.CopyToUser(ulong.MaxValue - 7, new byte[16]));
        Assert.Equal(16, mm.CopyFromUser(AddressSpace.TaskSize - 8, new byte[16]));
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.ClearUser(0x10000, -1));
    }

    [Fact]
    public void WritesSetDirtyAndAccessedBitsReadsOnlyAccessed()
    {
        var (mm, addr) = MapAnon(1);
        Assert.Equal(0, mm.CopyToUser(addr, new byte[1]));
        var pte = mm.GetPte(addr)!;
        Assert.True(pte.IsPresent && pte.IsWritable && pte.IsDirty && pte.IsAccessed);
    }
}
