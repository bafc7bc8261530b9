using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Tests.Mm;

public sealed class FaultTests
{
    private const int P = Page.Size;
    private const ulong Base = 0x2000_0000;

    private static (AddressSpace mm, CountingVmOperations ops, VmMapping mapping) MapFile(int pages, MapFlags flags,
        Prot prot = Prot.Read | Prot.Write, long pageOffset = 0)
    {
        var mm = new AddressSpace();
        var ops = new CountingVmOperations();
        var mapping = new VmMapping(ops);
        Assert.Equal((long)Base, mm.MmapFile(Base, pages * P, prot, flags | MapFlags.Fixed, mapping, pageOffset));
        return (mm, ops, mapping);
    }

    [Fact]
    public void AnonymousReadFaultMapsTheSharedZeroPageReadOnlyAndSpecial()
    {
        using var mm = new AddressSpace();
        Assert.Equal((long)Base, mm.Mmap(Base, P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed));
        Assert.True(mm.HandleUserFault(Base + 7, FaultFlags.None).IsOk);
        var pte = mm.GetPte(Base)!;
        Assert.Same(Page.Zero, pte.Page);
        Assert.True(pte.IsSpecial);
        Assert.False(pte.IsWritable);
    }

    [Fact]
    public void FirstWriteAfterAReadFaultReplacesTheZeroPageWithAPrivateZeroedPage()
    {
        using var mm = new AddressSpace();
        mm.Mmap(Base, P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed);
        Assert.Equal(0, mm.CopyFromUser(Base, new byte[1]));
        Assert.Equal(0, mm.CopyToUser(Base + 1, new byte[] { 77 }));
        var pte = mm.GetPte(Base)!;
        Assert.False(pte.Page!.IsZeroPage);
        Assert.True(pte.IsWritable && !pte.IsSpecial && pte.Page.IsAnonymous);
        Assert.Equal(77, pte.Page.Span[1]);
        Assert.All(Page.Zero.Span.ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void FaultOutsideAnyVmaAndPermissionFaultsAreEfault()
    {
        using var mm = new AddressSpace();
        mm.Mmap(Base, P, Prot.Read, MapFlags.Private | MapFlags.Fixed);
        mm.Mmap(Base + P, P, Prot.None, MapFlags.Private | MapFlags.Fixed);
        Assert.Equal(Errno.EFAULT, mm.HandleUserFault(Base + 2 * P, FaultFlags.None));
        Assert.Equal(Errno.EFAULT, mm.HandleUserFault(Base, FaultFlags.Write));
        Assert.Equal(Errno.EFAULT, mm.HandleUserFault(Base + P, FaultFlags.None));
        Assert.Equal(Errno.EFAULT, mm.HandleUserFault(ulong.MaxValue, FaultFlags.None));
        Assert.True(mm.HandleUserFault(Base, FaultFlags.None).IsOk);
    }

    [Fact]
    public void SharedFileReadMapsTheCachePageAndFirstWriteCallsPageMkwriteOnce()
    {
        var (mm, ops, _) = MapFile(2, MapFlags.Shared, pageOffset: 5);
        var buf = new byte[P];
        Assert.Equal(0, mm.CopyFromUser(Base + P, buf));
        Assert.Equal(CountingVmOperations.Pattern(6, 10), buf[10]);
        Assert.Equal(1, ops.FaultCalls);
        Assert.Equal(0, ops.MkwriteCalls);
        Assert.False(mm.GetPte(Base + P)!.IsWritable);

        Assert.Equal(0, mm.CopyToUser(Base + P + 3, new byte[] { 200, 201 }));
        Assert.Equal(0, mm.CopyToUser(Base + P + 9, new byte[] { 202 }));
        Assert.Equal(1, ops.MkwriteCalls);
        var cache = ops.CachePage(6);
        Assert.Same(cache, mm.GetPte(Base + P)!.Page);
        Assert.Equal(200, cache.Span[3]);
        Assert.True(cache.Dirty);
    }

    [Fact]
    public void PrivateFileWriteMakesAPrivateCopyAndLeavesTheCacheAlone()
    {
        var (mm, ops, _) = MapFile(1, MapFlags.Private);
        Assert.Equal(0, mm.CopyFromUser(Base, new byte[1]));
        Assert.Same(ops.CachePage(0), mm.GetPte(Base)!.Page);
        Assert.Equal(0, mm.CopyToUser(Base, new byte[] { 0xFF }));
        var page = mm.GetPte(Base)!.Page!;
        Assert.NotSame(ops.CachePage(0), page);
        Assert.Equal(0xFF, page.Span[0]);
        Assert.Equal(CountingVmOperations.Pattern(0, 1), page.Span[1]);
        Assert.Equal(CountingVmOperations.Pattern(0, 0), ops.CachePage(0).Span[0]);
        Assert.Equal(0, ops.MkwriteCalls);
    }

    [Fact]
    public void FileFaultBeyondEndOfFileIsEfault()
    {
        var (mm, ops, _) = MapFile(3, MapFlags.Shared);
        ops.SizeInPages = 1;
        Assert.Equal(2 * P - 5, mm.CopyFromUser(Base + P - 5, new byte[2 * P]));
        Assert.Equal(Errno.EFAULT, mm.HandleUserFault(Base + P, FaultFlags.None));
        Assert.Null(mm.GetPte(Base + P));
    }

    [Fact]
    public void PageMkwriteErrorFailsTheWriteAndLeavesThePteReadOnly()
    {
        var (mm, ops, _) = MapFile(1, MapFlags.Shared);
        ops.MkwriteResult = VmFaultResult.SigBus;
        Assert.Equal(0, mm.CopyFromUser(Base, new byte[1]));
        Assert.Equal(1, mm.CopyToUser(Base, new byte[1]));
        Assert.False(mm.GetPte(Base)!.IsWritable);
        ops.MkwriteResult = VmFaultResult.Oom;
        Assert.Equal(Errno.ENOMEM, mm.HandleUserFault(Base, FaultFlags.Write));
    }

    [Fact]
    public void HandlerThatDropsTheLockAndAsksForRetryIsRetriedWithTriedFlag()
    {
        var (mm, ops, _) = MapFile(1, MapFlags.Shared);
        var seen = new List<FaultFlags>();
        ops.OnFault = vmf =>
        {
            seen.Add(vmf.Flags);
            if ((vmf.Flags & FaultFlags.Tried) != 0) return null;
            vmf.ReleaseLock();
            return VmFaultResult.Retry;
        };
        Assert.Equal(0, mm.CopyFromUser(Base, new byte[8]));
        Assert.Equal([FaultFlags.None, FaultFlags.Tried], seen);
        // The lock was given back: a layout change (exclusive lock) still works on this thread.
        Assert.True(mm.Munmap(Base, P).IsOk);
    }

    [Fact]
    public void RetryWithAFatalSignalPendingGivesUp()
    {
        var (mm, ops, _) = MapFile(1, MapFlags.Shared);
        ops.OnFault = vmf =>
        {
            vmf.ReleaseLock();
            return VmFaultResult.Retry;
        };
        var task = TaskContext.Current;
        task.FatalSignalPending = true;
        try
        {
            Assert.Equal(Errno.EINTR, mm.HandleUserFault(Base, FaultFlags.None));
            Assert.Equal(8, mm.CopyFromUser(Base, new byte[8]));
        }
        finally { task.ClearSignals(); }
    }

    [Fact]
    public void HandlerThatRetriesForeverFailsInsteadOfHanging()
    {
        var (mm, ops, _) = MapFile(1, MapFlags.Shared);
        ops.OnFault = _ => VmFaultResult.Retry;
        Assert.Equal(Errno.EFAULT, mm.HandleUserFault(Base, FaultFlags.None));
        Assert.True(mm.Munmap(Base, P).IsOk);
    }

    [Fact]
    public void HandlerExceptionPropagatesAndLeavesTheLockBalanced()
    {
        var (mm, ops, _) = MapFile(1, MapFlags.Shared);
        ops.OnFault = _ => throw new InvalidOperationException("boom");
        Assert.Throws<InvalidOperationException>(() => mm.CopyFromUser(Base, new byte[1]));
        Assert.True(mm.Munmap(Base, P).IsOk);
    }

    [Fact]
    public void WithFaultsDisabledNoFaultHandlerIsCalled()
    {
        var (mm, ops, _) = MapFile(2, MapFlags.Shared);
        using (Faults.Disable())
        {
            Assert.Equal(2 * P, mm.CopyFromUser(Base, new byte[2 * P]));
            Assert.Equal(2 * P, mm.CopyToUser(Base, new byte[2 * P]));
        }
        Assert.Equal(0, ops.FaultCalls);
        Assert.Equal(0, mm.CopyFromUser(Base, new byte[1]));
        using (Faults.Disable())
            Assert.Equal(P, mm.CopyToUser(Base, new byte[P])); // read-only PTE: PageMkwrite not called
        Assert.Equal(0, ops.MkwriteCalls);
    }

    [Fact]
    public void UnmapRangeZapsTheFilePagesInEveryAddressSpaceButKeepsPrivateCopies()
    {
        var ops = new CountingVmOperations();
        var mapping = new VmMapping(ops);
        using var a = new AddressSpace();
        using var b = new AddressSpace();
        Assert.True(a.MmapFile(Base, 4 * P, Prot.Read | Prot.Write, MapFlags.Shared | MapFlags.Fixed, mapping, 0) > 0);
        Assert.True(b.MmapFile(Base, 2 * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed, mapping, 2) > 0);
        Assert.Equal(2, mapping.MapCount);
        Assert.Equal(0, a.CopyFromUser(Base, new byte[4 * P]));
        Assert.Equal(0, b.CopyFromUser(Base, new byte[P]));
        Assert.Equal(0, b.CopyToUser(Base + P, new byte[] { 1 })); // private copy of file page 3

        Assert.Equal(3, mapping.UnmapRange(2, 2));
        Assert.NotNull(a.GetPte(Base + P));
        Assert.Null(a.GetPte(Base + 2 * P));
        Assert.Null(a.GetPte(Base + 3 * P));
        Assert.Null(b.GetPte(Base));
        Assert.True(b.GetPte(Base + P)!.Page!.IsAnonymous);
        int before = ops.FaultCalls;
        Assert.Equal(0, a.CopyFromUser(Base + 2 * P, new byte[1]));
        Assert.Equal(before + 1, ops.FaultCalls);
    }

    [Fact]
    public void AnInvalidationDuringTheFileFaultLeavesNoStalePageMapped()
    {
        var (mm, ops, mapping) = MapFile(1, MapFlags.Shared);
        int calls = 0;
        ops.OnFault = vmf =>
        {
            vmf.Page = ops.CachePage(vmf.PageOffset);
            if (++calls == 1) mapping.UnmapRange(0, 1); // truncate/invalidate races with this fault
            return VmFaultResult.Ok;
        };
        Assert.Equal(0, mm.CopyFromUser(Base, new byte[1]));
        Assert.Equal(2, calls); // the stale mapping was dropped and the access faulted again
        Assert.NotNull(mm.GetPte(Base));
    }

    [Fact]
    public void SplittingAndUnmappingKeepsTheReverseMapExact()
    {
        var (mm, _, mapping) = MapFile(4, MapFlags.Shared);
        Assert.True(mm.Munmap(Base + P, P).IsOk);
        Assert.Equal(2, mapping.MapCount);
        Assert.Equal(0, mm.CopyFromUser(Base + 3 * P, new byte[1]));
        Assert.Equal(1, mapping.UnmapRange(3, 1));
        mm.Dispose();
        Assert.Equal(0, mapping.MapCount);
    }

    [Fact]
    public void SharedAnonymousMemoryIsZeroedAndWritable()
    {
        using var mm = new AddressSpace();
        long addr = mm.Mmap(0, 2 * P, Prot.Read | Prot.Write, MapFlags.Shared);
        Assert.True(addr > 0);
        var buf = new byte[2 * P];
        Assert.Equal(0, mm.CopyFromUser((ulong)addr, buf));
        Assert.All(buf, b => Assert.Equal(0, b));
        Assert.Equal(0, mm.CopyToUser((ulong)addr + 5, new byte[] { 8 }));
        Assert.Equal(0, mm.CopyFromUser((ulong)addr, buf));
        Assert.Equal(8, buf[5]);
        Assert.False(mm.GetPte((ulong)addr)!.Page!.IsZeroPage);
    }

    [Fact]
    public void IoAndPfnMapFramesAreAccessibleThroughPlainCopies()
    {
        using var mm = new AddressSpace();
        var frames = new[] { new Page(), new Page() };
        long io = mm.MmapFrames(0, frames, Prot.Read | Prot.Write, MapFlags.Shared, pfnMap: false);
        long pfn = mm.MmapFrames(0, frames, Prot.Read, MapFlags.Shared, pfnMap: true);
        Assert.True(io > 0 && pfn > 0);
        Assert.NotNull(mm.GetPte((ulong)pfn + P));
        Assert.Null(mm.GetPte((ulong)io));
        Assert.Equal(0, mm.CopyToUser((ulong)io + P + 1, new byte[] { 55 }));
        Assert.Equal(55, frames[1].Span[1]);
        var one = new byte[1];
        Assert.Equal(0, mm.CopyFromUser((ulong)pfn + P + 1, one));
        Assert.Equal(55, one[0]);
        Assert.True(mm.GetPte((ulong)io + P)!.IsSpecial);
        Assert.Equal(1, mm.CopyToUser((ulong)pfn, one));
        Assert.Equal(Errno.EINVAL, mm.Madvise((ulong)pfn, P, Advice.DontNeed));
    }
}
