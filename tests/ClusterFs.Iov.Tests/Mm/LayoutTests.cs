using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Mm;

public sealed class LayoutTests
{
    private const int P = Page.Size;
    private const ulong Base = 0x1000_0000;

    private static ulong MapFixed(AddressSpace mm, ulong addr, int pages, Prot prot = Prot.Read | Prot.Write)
    {
        long r = mm.Mmap(addr, pages * P, prot, MapFlags.Private | MapFlags.Fixed);
        Assert.Equal((long)addr, r);
        return addr;
    }

    [Fact]
    public void MmapWithoutAddressPlacesNonOverlappingPageAlignedRanges()
    {
        using var mm = new AddressSpace();
        long a = mm.Mmap(0, 3 * P, Prot.Read, MapFlags.Private);
        long b = mm.Mmap(0, 5 * P + 1, Prot.Read, MapFlags.Private);
        Assert.True(a > 0 && b > 0);
        Assert.Equal(0, a % P);
        Assert.Equal(0, b % P);
        var vmas = mm.Vmas();
        Assert.Equal(2, vmas.Count);
        Assert.True(vmas[0].End <= vmas[1].Start);
        Assert.Equal(6L, mm.FindVma((ulong)b)!.PageCount);
    }

    [Fact]
    public void MmapHintIsUsedWhenFree()
    {
        using var mm = new AddressSpace();
        Assert.Equal((long)Base, mm.Mmap(Base, P, Prot.Read, MapFlags.Private));
        long second = mm.Mmap(Base, P, Prot.Read, MapFlags.Private);
        Assert.NotEqual((long)Base, second);
        Assert.True(second > 0);
    }

    [Fact]
    public void MmapRejectsBadArgumentsWithErrno()
    {
        using var mm = new AddressSpace();
        Assert.Equal(-22, mm.Mmap(0, 0, Prot.Read, MapFlags.Private));
        Assert.Equal(-22, mm.Mmap(0, -P, Prot.Read, MapFlags.Private));
        Assert.Equal(-22, mm.Mmap(0, P, Prot.Read, MapFlags.None));
        Assert.Equal(-22, mm.Mmap(0, P, Prot.Read, MapFlags.Private | MapFlags.Shared));
        Assert.Equal(-22, mm.Mmap(Base + 1, P, Prot.Read, MapFlags.Private | MapFlags.Fixed));
        Assert.Equal(-22, mm.Mmap(0, P, (Prot)0x40, MapFlags.Private));
        Assert.Equal(-1, mm.Mmap(0x1000, P, Prot.Read, MapFlags.Private | MapFlags.Fixed));
        Assert.Equal(-12, mm.Mmap(0, long.MaxValue, Prot.Read, MapFlags.Private));
        Assert.Equal(-12, mm.Mmap(AddressSpace.TaskSize - P, 2 * P, Prot.Read, MapFlags.Private | MapFlags.Fixed));
        Assert.Equal(0, mm.VmaCount);
    }

    [Fact]
    public void FixedMmapReplacesTheOverlappedPartAndFixedNoReplaceRefuses()
    {
        using var mm = new AddressSpace();
        MapFixed(mm, Base, 4);
        Assert.Equal(0, mm.CopyToUser(Base, Enumerable.Repeat((byte)5, 4 * P).ToArray()));
        Assert.Equal(-17, mm.Mmap(Base + P, P, Prot.Read, MapFlags.Private | MapFlags.FixedNoReplace));
        MapFixed(mm, Base + P, 2, Prot.Read);
        Assert.Equal(3, mm.VmaCount);
        var buf = new byte[4 * P];
        Assert.Equal(0, mm.CopyFromUser(Base, buf));
        for (int i = 0; i < buf.Length; i++) Assert.Equal(i is >= P and < 3 * P ? 0 : 5, buf[i]);
    }

    [Fact]
    public void MunmapInTheMiddleSplitsTheVmaAndDropsItsPages()
    {
        using var mm = new AddressSpace();
        MapFixed(mm, Base, 5);
        Assert.Equal(0, mm.CopyToUser(Base, Enumerable.Repeat((byte)1, 5 * P).ToArray()));
        Assert.True(mm.Munmap(Base + P, 2 * P).IsOk);
        var vmas = mm.Vmas();
        Assert.Equal(2, vmas.Count);
        Assert.Equal((Base, Base + P), (vmas[0].Start, vmas[0].End));
        Assert.Equal((Base + 3 * P, Base + 5 * P), (vmas[1].Start, vmas[1].End));
        Assert.Null(mm.GetPte(Base + P));
        Assert.Equal(P, mm.CopyFromUser(Base + P, new byte[P]));
        var tail = new byte[2 * P];
        Assert.Equal(0, mm.CopyFromUser(Base + 3 * P, tail));
        Assert.All(tail, b => Assert.Equal(1, b));
    }

    [Fact]
    public void MunmapRejectsUnalignedAndEmptyRangesButAcceptsHoles()
    {
        using var mm = new AddressSpace();
        Assert.Equal(Errno.EINVAL, mm.Munmap(Base + 1, P));
        Assert.Equal(Errno.EINVAL, mm.Munmap(Base, 0));
        Assert.Equal(Errno.EINVAL, mm.Munmap(Base, -1));
        Assert.Equal(Errno.EINVAL, mm.Munmap(AddressSpace.TaskSize, P));
        Assert.Equal(Errno.OK, mm.Munmap(Base, 10 * P));
        Assert.Equal(Errno.OK, mm.Munmap(Base, 1));
    }

    [Fact]
    public void MunmapAcrossSeveralVmasRemovesAllOfThem()
    {
        using var mm = new AddressSpace();
        MapFixed(mm, Base, 2);
        MapFixed(mm, Base + 4 * P, 2);
        MapFixed(mm, Base + 8 * P, 2);
        Assert.True(mm.Munmap(Base + P, 8 * P).IsOk);
        var vmas = mm.Vmas();
        Assert.Equal(2, vmas.Count);
        Assert.Equal(Base + P, vmas[0].End);
        Assert.Equal(Base + 9 * P, vmas[1].Start);
    }

    [Fact]
    public void MprotectReadOnlyMakesWritesFailAndSplitsTheVma()
    {
        using var mm = new AddressSpace();
        MapFixed(mm, Base, 3);
        Assert.Equal(0, mm.CopyToUser(Base, new byte[3 * P]));
        Assert.True(mm.Mprotect(Base + P, P, Prot.Read).IsOk);
        Assert.Equal(3, mm.VmaCount);
        Assert.False(mm.GetPte(Base + P)!.IsWritable);
        Assert.Equal(2 * P, mm.CopyToUser(Base, new byte[3 * P]));
        Assert.Equal(0, mm.CopyFromUser(Base, new byte[3 * P]));
        Assert.True(mm.Mprotect(Base + P, P, Prot.Read | Prot.Write).IsOk);
        Assert.Equal(0, mm.CopyToUser(Base, new byte[3 * P]));
    }

    [Fact]
    public void MprotectNoneKeepsTheDataButFaultsEveryAccess()
    {
        using var mm = new AddressSpace();
        MapFixed(mm, Base, 1);
        Assert.Equal(0, mm.CopyToUser(Base, new byte[] { 42 }));
        Assert.True(mm.Mprotect(Base, P, Prot.None).IsOk);
        Assert.Equal(1, mm.CopyFromUser(Base, new byte[1]));
        Assert.True(mm.Mprotect(Base, P, Prot.Read).IsOk);
        var one = new byte[1];
        Assert.Equal(0, mm.CopyFromUser(Base, one));
        Assert.Equal(42, one[0]);
    }

    [Fact]
    public void MprotectReportsHolesAndBadArgumentsLikeLinux()
    {
        using var mm = new AddressSpace();
        MapFixed(mm, Base, 1);
        MapFixed(mm, Base + 2 * P, 1);
        Assert.Equal(Errno.EINVAL, mm.Mprotect(Base + 1, P, Prot.Read));
        Assert.Equal(Errno.EINVAL, mm.Mprotect(Base, P, (Prot)0x100));
        Assert.Equal(Errno.OK, mm.Mprotect(Base, 0, Prot.Read));
        Assert.Equal(Errno.ENOMEM, mm.Mprotect(Base + 4 * P, P, Prot.Read));
        Assert.Equal(Errno.ENOMEM, mm.Mprotect(Base, -1, Prot.Read));
        Assert.Equal(Errno.ENOMEM, mm.Mprotect(Base, 3 * P, Prot.Read));
        // The VMA before the hole was already changed, as in Linux.
        Assert.Equal(VmaFlags.Read, mm.FindVma(Base)!.Flags & (VmaFlags.Read | VmaFlags.Write));
        Assert.Equal(Errno.ENOMEM, mm.Mprotect(ulong.MaxValue & Page.Mask, 2 * P, Prot.Read));
    }

    [Fact]
    public void MadviseDontNeedMakesAnonymousMemoryReadBackAsZeroes()
    {
        using var mm = new AddressSpace();
        MapFixed(mm, Base, 2);
        Assert.Equal(0, mm.CopyToUser(Base, Enumerable.Repeat((byte)3, 2 * P).ToArray()));
        Assert.True(mm.Madvise(Base, P, Advice.DontNeed).IsOk);
        var buf = new byte[2 * P];
        Assert.Equal(0, mm.CopyFromUser(Base, buf));
        for (int i = 0; i < buf.Length; i++) Assert.Equal(i < P ? 0 : 3, buf[i]);
    }

    [Fact]
    public void MadviseReportsHolesButStillAdvisesTheMappedParts()
    {
        using var mm = new AddressSpace();
        MapFixed(mm, Base, 1);
        MapFixed(mm, Base + 2 * P, 1);
        Assert.Equal(0, mm.CopyToUser(Base + 2 * P, new byte[] { 9 }));
        Assert.Equal(Errno.ENOMEM, mm.Madvise(Base, 3 * P, Advice.DontNeed));
        Assert.Null(mm.GetPte(Base + 2 * P));
        Assert.Equal(Errno.EINVAL, mm.Madvise(Base + 1, P, Advice.DontNeed));
        Assert.Equal(Errno.EINVAL, mm.Madvise(Base, P, (Advice)99));
        Assert.Equal(Errno.ENOMEM, mm.Madvise(Base, long.MaxValue, Advice.DontNeed));
        Assert.Equal(Errno.OK, mm.Madvise(Base, 0, Advice.DontNeed));
        Assert.Equal(Errno.EINVAL, mm.Madvise(ulong.MaxValue & Page.Mask, 2 * P, Advice.DontNeed));
    }

    [Fact]
    public void LookupFindsTheRightVmaAmongManyAndOnlyInsideRanges()
    {
        using var mm = new AddressSpace();
        for (int i = 0; i < 200; i++) MapFixed(mm, Base + (ulong)(i * 3 * P), 2);
        Assert.Equal(200, mm.VmaCount);
        for (int i = 0; i < 200; i++)
        {
            ulong start = Base + (ulong)(i * 3 * P);
            Assert.Equal(start, mm.FindVma(start + P + 5)!.Start);
            Assert.Null(mm.FindVma(start + 2 * P));
        }
        Assert.Null(mm.FindVma(Base - 1));
    }

    [Fact]
    public void LayoutCallsOnADisposedAddressSpaceReturnEfault()
    {
        var mm = new AddressSpace();
        MapFixed(mm, Base, 1);
        mm.Dispose();
        Assert.Equal(Errno.EFAULT, mm.Munmap(Base, P));
        Assert.Equal(Errno.EFAULT, mm.Mprotect(Base, P, Prot.Read));
        Assert.Equal(Errno.EFAULT, mm.Madvise(Base, P, Advice.DontNeed));
        Assert.Null(mm.FindVma(Base));
    }
}
