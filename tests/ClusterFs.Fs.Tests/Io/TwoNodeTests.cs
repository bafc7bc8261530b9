using ClusterFs.Fs.Api;
using ClusterFs.Fs.Files;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>Two nodes over one shared device with the in-process lock manager: cache coherence through glock
/// transfer, and the cross-node ABBA deadlock of copies from mappings of each other's files.</summary>
[Collection(IoCollection.Name)]
public sealed class TwoNodeTests : IDisposable
{
    private const int Ps = Page.Size;
    private readonly MemoryBlockDevice _dev = NewDevice(journals: 2, protocol: "lock_inproc");
    private readonly InProcessLockSpace _space = new(LockTable, 2);
    private readonly FsNode _n1, _n2;
    private readonly FsProcess _p1, _p2;

    public TwoNodeTests()
    {
        IoDebugSwitches.FaultsUnderGlock = false;
        _n1 = Mount(_dev, _space.CreateManager(), "n1");
        _n2 = Mount(_dev, _space.CreateManager(), "n2");
        _p1 = new FsProcess(_n1);
        _p2 = new FsProcess(_n2);
    }

    public void Dispose()
    {
        IoDebugSwitches.FaultsUnderGlock = false;
        IoDebugSwitches.AfterUnfixedGlock = null;
        bool withdrawn = _n1.IsWithdrawn || _n2.IsWithdrawn;
        _p1.Dispose();
        _p2.Dispose();
        var e1 = _n1.Unmount();
        var e2 = _n2.Unmount();
        if (!withdrawn)
        {
            Ok(e1);
            Ok(e2);
            AssertFsckClean(_dev);
        }
    }

    private static int Fd(long fd)
    {
        Assert.True(fd >= 0, $"open: {fd}");
        return (int)fd;
    }

    [Fact]
    public void SecondNodeSeesFirstNodesWritesAfterGlockTransfer()
    {
        int f1 = Fd(_p1.Open("/shared", OpenFlags.Create | OpenFlags.ReadWrite));
        var data = Pattern(50_000, 11);
        Assert.Equal(data.Length, _p1.Write(f1, data)); // dirty in node 1's cache only
        int f2 = Fd(_p2.Open("/shared", OpenFlags.ReadWrite));
        var back = new byte[data.Length];
        Assert.Equal(data.Length, _p2.Pread(f2, back, 0)); // SH on node 2 makes node 1 write back
        Assert.Equal(data, back);
        var patch = Pattern(1000, 12);
        Assert.Equal(patch.Length, _p2.Pwrite(f2, patch, 20_000)); // EX on node 2 invalidates node 1's cache
        var back1 = new byte[data.Length];
        Assert.Equal(data.Length, _p1.Pread(f1, back1, 0));
        patch.CopyTo(data, 20_000);
        Assert.Equal(data, back1);
    }

    [Fact]
    public void SecondNodeMappingSeesFirstNodesWritesAndLosesItsPtesOnInvalidation()
    {
        int f1 = Fd(_p1.Open("/m", OpenFlags.Create | OpenFlags.ReadWrite));
        Assert.Equal(2 * Ps, _p1.Write(f1, Pattern(2 * Ps, 13)));
        int f2 = Fd(_p2.Open("/m", OpenFlags.ReadWrite));
        long map = _p2.Mmap(f2, 0, 2 * Ps, Prot.Read | Prot.Write, MapFlags.Shared, 0);
        var got = new byte[2 * Ps];
        Assert.Equal(0, _p2.Mm.CopyFromUser((ulong)map, got));
        Assert.Equal(Pattern(2 * Ps, 13), got);
        Assert.Equal(0, _p2.Mm.CopyToUser((ulong)map + 10, "node2"u8)); // page_mkwrite: EX on node 2
        Assert.Equal(3, _p1.Pwrite(f1, "one"u8.ToArray(), Ps)); // EX on node 1: node 2 writes back and unmaps
        Assert.Null(_p2.Mm.GetPte((ulong)map + Ps) is { IsPresent: true } ? "still mapped" : null);
        Assert.Equal(0, _p2.Mm.CopyFromUser((ulong)map, got));
        Assert.Equal("node2"u8.ToArray(), got[10..15]);
        Assert.Equal("one"u8.ToArray(), got[Ps..(Ps + 3)]);
    }

    /// <summary>Node 1 writes file A from a mapping of file B while node 2 writes B from a mapping of A.</summary>
    private (Task<long[]> T1, Task<long[]> T2, byte[] A, byte[] B, int FdA, int FdB) StartAbba(int iterations, Action? arm)
    {
        const int Len = 4 * Ps;
        var a = Pattern(2 * Len, 21);
        var b = Pattern(2 * Len, 22);
        int fa = Fd(_p1.Open("/A", OpenFlags.Create | OpenFlags.ReadWrite));
        Assert.Equal(a.Length, _p1.Write(fa, a));
        int fb = Fd(_p2.Open("/B", OpenFlags.Create | OpenFlags.ReadWrite));
        Assert.Equal(b.Length, _p2.Write(fb, b));
        int fbOn1 = Fd(_p1.Open("/B", OpenFlags.ReadOnly));
        int faOn2 = Fd(_p2.Open("/A", OpenFlags.ReadOnly));
        ulong mapB1 = (ulong)_p1.Mmap(fbOn1, 0, Len, Prot.Read, MapFlags.Shared, 0);
        ulong mapA2 = (ulong)_p2.Mmap(faOn2, 0, Len, Prot.Read, MapFlags.Shared, 0);
        arm?.Invoke();
        Task<long[]> Loop(FsProcess p, int fd, ulong src) => Task.Factory.StartNew(() =>
        {
            var results = new long[iterations];
            for (int i = 0; i < iterations; i++)
            {
                Ok(p.Mm.Madvise(src, Len, Advice.DontNeed));
                results[i] = p.Pwrite(fd, src, Len, Len); // second half of the target from the first half of the other
            }
            return results;
        }, TaskCreationOptions.LongRunning);
        return (Loop(_p1, fa, mapB1), Loop(_p2, fb, mapA2), a, b, fa, fb);
    }

    [Fact]
    public void CrossNodeAbbaWithFaultsOutsideTheGlockCompletesWithTheRightData()
    {
        const int Iterations = 200, Len = 4 * Ps;
        var (t1, t2, a, b, fa, fb) = StartAbba(Iterations, null);
        Assert.True(WaitAll(TimeSpan.FromSeconds(60), t1, t2), "ABBA with the fix must not deadlock");
        Assert.All(Done(t1), r => Assert.Equal(Len, r));
        Assert.All(Done(t2), r => Assert.Equal(Len, r));
        var got = new byte[Len];
        Assert.Equal(Len, _p1.Pread(fa, got, Len));
        Assert.Equal(b[..Len], got);
        Assert.Equal(Len, _p2.Pread(fb, got, Len));
        Assert.Equal(a[..Len], got);
    }

    [Fact]
    public void CrossNodeAbbaWithFaultsUnderTheGlockDeadlocksAndIsDetectedByTheBoundedWait()
    {
        using var lineUp = new Barrier(2);
        var (t1, t2, _, _, _, _) = StartAbba(1, () =>
        {
            IoDebugSwitches.FaultsUnderGlock = true;
            // Both nodes hold their target's EX before either touches the other's mapping: the deadlock is certain.
            IoDebugSwitches.AfterUnfixedGlock = _ => lineUp.SignalAndWait(TimeSpan.FromSeconds(5));
        });
        bool finished = WaitAll(TimeSpan.FromSeconds(3), t1, t2);
        Assert.False(finished, "with faults under the glock the two nodes must deadlock");
        // Tear down: the lock space declares both nodes dead; their pending lock requests complete with an error
        // and they withdraw, so every glock waiter gets EIO and both threads return.
        Assert.True(_space.KillNode(_n1.JournalId));
        Assert.True(_space.KillNode(_n2.JournalId));
        Assert.True(WaitAll(TimeSpan.FromSeconds(20), t1, t2), "withdraw must release the deadlocked threads");
        Assert.True(Done(t1)[0] < 0 || Done(t2)[0] < 0);
    }
}
