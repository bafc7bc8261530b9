using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Tests.Mm;

public sealed class ConcurrencyTests
{
    private const int P = Page.Size;
    private const ulong Base = 0x7000_0000;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task WhileALayoutChangeWaitsForOneVmasFaultOtherVmasFaultAndResidentCopiesProceed()
    {
        using var mm = new AddressSpace();
        var ops = new CountingVmOperations();
        Assert.True(mm.Mmap(Base, 2 * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed) > 0);
        Assert.True(mm.MmapFile(Base + 4 * P, P, Prot.Read, MapFlags.Shared | MapFlags.Fixed, new VmMapping(ops), 0) > 0);
        Assert.Equal(0, mm.CopyToUser(Base, new byte[P]));
        var fileVma = mm.FindVma(Base + 4 * P)!;

        using var inHandler = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        ops.OnFault = _ =>
        {
            inHandler.Set();
            release.Wait(s_timeout); // holds the file VMA's fault lock, like a handler waiting for a glock
            return null;
        };
        var faulter = Task.Run(() => mm.CopyFromUser(Base + 4 * P, new byte[1]));
        try
        {
            Assert.True(inHandler.Wait(s_timeout));
            // munmap of the file VMA takes the mmap lock exclusive, then waits for that VMA's fault.
            var writer = Task.Run(() => mm.Munmap(Base + 4 * P, P));
            Assert.True(SpinWait.SpinUntil(() => fileVma.Lock.WriterWaiting, s_timeout));
            var copier = Task.Run(() =>
            {
                using (Faults.Disable()) return mm.CopyToUser(Base, new byte[P]);
            });
            // WaitAsync throws TimeoutException (failing the test) if either blocked on the layout change.
            Assert.Equal(0, await copier.WaitAsync(s_timeout));
            var otherVmaFault = Task.Run(() => mm.CopyToUser(Base + P, new byte[P]));
            Assert.Equal(0, await otherVmaFault.WaitAsync(s_timeout));
            Assert.False(writer.IsCompleted);
            release.Set();
            Assert.True((await writer.WaitAsync(s_timeout)).IsOk);
        }
        finally { release.Set(); }
        // The handled fault maps the page, but the munmap may zap it before the copy re-reads the PTE,
        // and then the refault finds no VMA: either outcome is correct, a hang is not.
        Assert.InRange(await faulter.WaitAsync(s_timeout), 0, 1);
        Assert.Null(mm.FindVma(Base + 4 * P));
    }

    [Fact]
    public async Task ANoFaultCopyOverResidentPagesDoesNotWaitForAQueuedMmapWriter()
    {
        using var mm = new AddressSpace();
        Assert.True(mm.Mmap(Base, P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed) > 0);
        Assert.Equal(0, mm.CopyToUser(Base, new byte[P]));
        using var inHandler = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var ops = new CountingVmOperations
        {
            OnFault = _ =>
            {
                inHandler.Set();
                release.Wait(s_timeout);
                return null;
            },
        };
        Assert.True(mm.MmapFile(Base + 4 * P, P, Prot.Read, MapFlags.Shared | MapFlags.Fixed, new VmMapping(ops), 0) > 0);
        // GUP's slow path faults under the mmap lock (shared), so a writer queues behind it.
        var gup = Task.Run(() => mm.GetUserPages(Base + 4 * P, 1, GupFlags.None, new Page[1]));
        try
        {
            Assert.True(inHandler.Wait(s_timeout));
            var writer = Task.Run(() => mm.Munmap(Base + 8 * P, P));
            Assert.True(SpinWait.SpinUntil(() => mm.WaitingLayoutWriters == 1, s_timeout));
            var copier = Task.Run(() =>
            {
                using (Faults.Disable()) return mm.CopyToUser(Base, new byte[P]);
            });
            Assert.Equal(0, await copier.WaitAsync(s_timeout));
            release.Set();
            Assert.True((await writer.WaitAsync(s_timeout)).IsOk);
        }
        finally { release.Set(); }
        Assert.Equal(1, await gup.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task ConcurrentFaultsCopiesAndLayoutChangesNeitherCrashNorCorruptAStableRegion()
    {
        using var mm = new AddressSpace();
        const int stablePages = 8;
        Assert.True(mm.Mmap(Base, stablePages * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed) > 0);
        var errors = new List<string>();
        var workers = Enumerable.Range(0, 3).Select(w => Task.Run(() =>
        {
            var rng = new Random(w);
            var mine = new byte[P];
            var back = new byte[P];
            ulong page = Base + (ulong)(w * P);
            for (int round = 0; round < 300; round++)
            {
                rng.NextBytes(mine);
                if (mm.CopyToUser(page, mine) != 0 || mm.CopyFromUser(page, back) != 0 || !mine.AsSpan().SequenceEqual(back))
                    lock (errors) errors.Add($"worker {w} round {round}");
                mm.GetUserPages(page, 1, GupFlags.FastOnly, null);
            }
        })).ToList();
        var churn = Task.Run(() =>
        {
            ulong scratch = Base + 64 * P;
            for (int round = 0; round < 300; round++)
            {
                mm.Mmap(scratch, 4 * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed);
                mm.CopyToUser(scratch + P, new byte[2 * P]);
                mm.Mprotect(scratch + P, P, Prot.Read);
                mm.Madvise(scratch, 4 * P, Advice.DontNeed);
                mm.Munmap(scratch + P, 2 * P);
                // The stable pages of the other workers are never touched by the churn, but DONTNEED of
                // the page after them exercises zapping next to live ones.
                mm.Madvise(Base + 3 * P, P, Advice.DontNeed);
            }
        });
        await Task.WhenAll([.. workers, churn]).WaitAsync(s_timeout);
        Assert.Empty(errors);
    }
}
