using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>POSIX record locks between two etcd nodes through <see cref="ILockManager.PosixLocks"/>: conflicts, waiting,
/// cancellation, deadlock, and the locks of a node whose lease ends.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdPosixLockTests(EtcdFixture etcd)
{
    private const ulong Inode = 0x1234;
    private static readonly TimeSpan s_bound = RecordingCallbacks.Timeout;

    private static PosixLockRequest Write(ulong owner, long start, long end) => new(owner, PosixLockType.Write, start, end, 500 + (int)owner);

    private static PosixLockRequest Unlock(ulong owner, long start, long end) => new(owner, PosixLockType.Unlock, start, end, 0);

    private static Task<Errno> SetWaitAsync(EtcdNode n, PosixLockRequest r, CancellationToken ct = default) =>
        Task.Factory.StartNew(() => n.Manager.PosixLocks.Set(Inode, r, wait: true, ct), CancellationToken.None, TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    private static async Task WaitForWaiterAsync(EtcdNode n)
    {
        using var cts = new CancellationTokenSource(s_bound);
        await n.Manager.WaitForPosixLockWaitersAsync(1, cts.Token);
    }

    private (EtcdNode A, EtcdNode B) TwoNodes(string purpose)
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable(purpose);
        return (EtcdNode.Mount(etcd, clock, table), EtcdNode.Mount(etcd, clock, table));
    }

    [EtcdFact]
    public void A_write_lock_on_one_node_refuses_an_overlapping_lock_on_the_other_and_test_reports_it()
    {
        var (a, b) = TwoNodes("plock-conflict");
        using (a)
        using (b)
        {
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Set(Inode, Write(1, 0, 99), false, default));
            Assert.Equal(Errno.EAGAIN, b.Manager.PosixLocks.Set(Inode, Write(1, 99, PosixLock.OffsetMax), false, default));
            Assert.Equal(Errno.OK, b.Manager.PosixLocks.Test(Inode, Write(1, 50, 50), out var c));
            Assert.Equal(new PosixLock(PosixLockType.Write, 0, 99, a.JournalId, 1, 501), c);
            Assert.Equal(Errno.OK, b.Manager.PosixLocks.Set(Inode, Write(1, 100, PosixLock.OffsetMax), false, default));
            // Splitting a's lock keeps both halves in the cluster.
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Set(Inode, Unlock(1, 10, 19), false, default));
            Assert.Equal(Errno.OK, b.Manager.PosixLocks.Set(Inode, Write(2, 10, 19), false, default));
            Assert.Equal(Errno.EAGAIN, b.Manager.PosixLocks.Set(Inode, Write(3, 9, 9), false, default));
            Assert.Equal(Errno.EAGAIN, b.Manager.PosixLocks.Set(Inode, Write(3, 20, 20), false, default));
        }
    }

    [EtcdFact]
    public async Task A_waiting_setlkw_is_granted_when_the_other_node_unlocks()
    {
        var (a, b) = TwoNodes("plock-wait");
        using (a)
        using (b)
        {
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Set(Inode, Write(1, 0, 9), false, default));
            var waiter = SetWaitAsync(b, Write(1, 0, 0));
            await WaitForWaiterAsync(b);
            Assert.False(waiter.IsCompleted);
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Release(Inode, 1));
            Assert.Equal(Errno.OK, await waiter.WaitAsync(s_bound));
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Test(Inode, Write(1, 0, 0), out var c));
            Assert.Equal((b.JournalId, PosixLockType.Write), (c.Node, c.Type));
        }
    }

    [EtcdFact]
    public async Task Cancelling_a_waiting_setlkw_answers_eintr_and_takes_nothing()
    {
        var (a, b) = TwoNodes("plock-cancel");
        using (a)
        using (b)
        {
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Set(Inode, Write(1, 0, 9), false, default));
            using var cts = new CancellationTokenSource();
            var waiter = SetWaitAsync(b, Write(1, 5, 5), cts.Token);
            await WaitForWaiterAsync(b);
            cts.Cancel();
            Assert.Equal(Errno.EINTR, await waiter.WaitAsync(s_bound));
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Release(Inode, 1));
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Test(Inode, Write(1, 0, PosixLock.OffsetMax), out var c));
            Assert.Equal(PosixLockType.Unlock, c.Type);
        }
    }

    [EtcdFact]
    public async Task A_setlkw_closing_a_cycle_between_owners_of_one_node_fails_with_edeadlk()
    {
        var (a, b) = TwoNodes("plock-deadlk");
        using (a)
        using (b)
        {
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Set(Inode, Write(1, 0, 0), false, default));
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Set(Inode, Write(2, 1, 1), false, default));
            var first = SetWaitAsync(a, Write(1, 1, 1));
            await WaitForWaiterAsync(a);
            Assert.Equal(Errno.EDEADLK, a.Manager.PosixLocks.Set(Inode, Write(2, 0, 0), true, default));
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Release(Inode, 2));
            Assert.Equal(Errno.OK, await first.WaitAsync(s_bound));
        }
    }

    [EtcdFact]
    public async Task A_setlkw_closing_a_cycle_across_two_nodes_fails_with_edeadlk()
    {
        var (a, b) = TwoNodes("plock-xdeadlk");
        using (a)
        using (b)
        {
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Set(Inode, Write(1, 0, 0), false, default));
            Assert.Equal(Errno.OK, b.Manager.PosixLocks.Set(Inode, Write(1, 1, 1), false, default));
            var aWaits = SetWaitAsync(a, Write(1, 1, 1)); // a/1 waits for b/1
            await WaitForWaiterAsync(a);
            Assert.Equal(Errno.EDEADLK, b.Manager.PosixLocks.Set(Inode, Write(1, 0, 0), true, default)); // b/1 -> a/1 -> b/1
            Assert.False(aWaits.IsCompleted);
            Assert.Equal(Errno.OK, b.Manager.PosixLocks.Release(Inode, 1));
            Assert.Equal(Errno.OK, await aWaits.WaitAsync(s_bound));
            // The granted waiter's edge is gone with its grant: b now waits for a without a false EDEADLK.
            var bWaits = SetWaitAsync(b, Write(1, 0, 0));
            await WaitForWaiterAsync(b);
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Release(Inode, 1));
            Assert.Equal(Errno.OK, await bWaits.WaitAsync(s_bound));
        }
    }

    [EtcdFact]
    public async Task The_locks_of_a_node_whose_lease_expires_vanish_and_the_other_nodes_waiter_proceeds()
    {
        var (a, b) = TwoNodes("plock-lease");
        using (a)
        using (b)
        {
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Set(Inode, Write(1, 0, PosixLock.OffsetMax), false, default));
            var waiter = SetWaitAsync(b, Write(1, 0, 0));
            await WaitForWaiterAsync(b);
            a.Manager.SuspendKeepAlive(); // a is cut off: it withdraws, then etcd expires its lease and its keys
            await a.Callbacks.Withdrawn.WaitAsync(s_bound);
            Assert.Equal(Errno.EIO, a.Manager.PosixLocks.Set(Inode, Write(2, 0, 0), false, default));
            Assert.Equal(Errno.OK, await waiter.WaitAsync(s_bound + s_bound));
        }
    }

    [EtcdFact]
    public void A_node_that_unmounts_drops_its_locks()
    {
        var (a, b) = TwoNodes("plock-unmount");
        using (a)
        using (b)
        {
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Set(Inode, Write(1, 0, 9), false, default));
            a.Manager.Unmount();
            Assert.Equal(Errno.OK, b.Manager.PosixLocks.Set(Inode, Write(1, 0, 9), false, default));
            Assert.Equal(Errno.EIO, a.Manager.PosixLocks.Release(Inode, 1));
        }
    }

    [EtcdFact]
    public async Task Write_locks_contended_by_owners_on_two_nodes_are_never_held_by_two_at_once()
    {
        var (a, b) = TwoNodes("plock-contend");
        using (a)
        using (b)
        {
            // Four owners (two per node) take the same byte in turn; the txn's compare must stop two from both winning.
            int inside = 0, overlaps = 0;
            const int Rounds = 8;
            var workers = new List<Task<Errno>>();
            foreach (var (node, owner) in new[] { (a, 1UL), (a, 2UL), (b, 1UL), (b, 2UL) })
            {
                workers.Add(Task.Factory.StartNew(() =>
                {
                    for (int i = 0; i < Rounds; i++)
                    {
                        // Owner 1 takes byte 0, then byte 1 while holding byte 0; owner 2 takes only byte 1: chains of waiters
                        // form (waiting for 0 behind a holder of 0 waiting for 1), but never a cycle, so any EDEADLK is false.
                        var e = Errno.OK;
                        if (owner == 1) e = node.Manager.PosixLocks.Set(Inode, Write(owner, 0, 0), true, default);
                        if (!e.IsOk) return e;
                        e = node.Manager.PosixLocks.Set(Inode, Write(owner, 1, 1), true, default);
                        if (!e.IsOk) return e;
                        if (Interlocked.Increment(ref inside) != 1) Interlocked.Increment(ref overlaps);
                        Interlocked.Decrement(ref inside);
                        e = node.Manager.PosixLocks.Set(Inode, Unlock(owner, 0, 1), false, default);
                        if (!e.IsOk) return e;
                    }
                    return Errno.OK;
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
            }
            foreach (var w in workers) Assert.Equal(Errno.OK, await w.WaitAsync(s_bound + s_bound));
            Assert.Equal(0, overlaps);
            Assert.Equal(Errno.OK, a.Manager.PosixLocks.Test(Inode, Write(9, 0, PosixLock.OffsetMax), out var c));
            Assert.Equal(PosixLockType.Unlock, c.Type);
        }
    }
}
