using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Plocks;

/// <summary>POSIX record locks between two nodes of one in-process lock space, through each node's <see cref="ILockManager.PosixLocks"/>.</summary>
public sealed class InProcessPosixLockTests : IDisposable
{
    private const ulong Inode = 42;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    private sealed class NullCallbacks : ILockManagerCallbacks
    {
        public void Completed(LockName name, LockState state, LockStatus status) { }
        public void Blocking(LockName name, LockState wanted) { }
        public void RecoverJournal(int journalId) { }
        public void Withdraw(string reason) { }
    }

    private readonly InProcessLockSpace _space = new("test:plock", 2);
    private readonly InProcessLockManager _a, _b;

    public InProcessPosixLockTests()
    {
        _a = _space.CreateManager();
        _b = _space.CreateManager();
        Assert.True(_a.Mount("test:plock", 2, 0, new NullCallbacks(), out _).IsOk);
        Assert.True(_b.Mount("test:plock", 2, 1, new NullCallbacks(), out _).IsOk);
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    private static PosixLockRequest Write(ulong owner, long start, long end) => new(owner, PosixLockType.Write, start, end, 10 + (int)owner);

    private static PosixLockRequest Read(ulong owner, long start, long end) => new(owner, PosixLockType.Read, start, end, 10 + (int)owner);

    private static Task<Errno> SetWaitAsync(IPosixLockTable t, PosixLockRequest r, CancellationToken ct = default) =>
        Task.Factory.StartNew(() => t.Set(Inode, r, wait: true, ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    [Fact]
    public void A_write_lock_on_one_node_refuses_an_overlapping_lock_on_the_other_and_getlk_reports_it()
    {
        Assert.Equal(Errno.OK, _a.PosixLocks.Set(Inode, Write(1, 0, 99), false, default));
        Assert.Equal(Errno.EAGAIN, _b.PosixLocks.Set(Inode, Read(1, 50, 50), false, default));
        Assert.Equal(Errno.OK, _b.PosixLocks.Test(Inode, Read(1, 50, PosixLock.OffsetMax), out var c));
        Assert.Equal(new PosixLock(PosixLockType.Write, 0, 99, 0, 1, 11), c);
        // Beside it, and on another inode, both nodes lock freely.
        Assert.Equal(Errno.OK, _b.PosixLocks.Set(Inode, Write(1, 100, PosixLock.OffsetMax), false, default));
        Assert.Equal(Errno.OK, _b.PosixLocks.Set(Inode + 1, Write(1, 0, 99), false, default));
        Assert.Equal(Errno.OK, _a.PosixLocks.Test(Inode, Write(1, 0, 99), out c));
        Assert.Equal(PosixLockType.Unlock, c.Type);
    }

    [Fact]
    public void Read_locks_of_two_nodes_share_a_range()
    {
        Assert.Equal(Errno.OK, _a.PosixLocks.Set(Inode, Read(1, 0, 9), false, default));
        Assert.Equal(Errno.OK, _b.PosixLocks.Set(Inode, Read(1, 0, 9), false, default));
        Assert.Equal(2, _space.PosixLocks.Locks(Inode).Count);
    }

    [Fact]
    public async Task A_waiting_setlkw_is_granted_when_the_other_node_unlocks()
    {
        Assert.Equal(Errno.OK, _a.PosixLocks.Set(Inode, Write(1, 0, 9), false, default));
        var waiter = SetWaitAsync(_b.PosixLocks, Write(2, 5, 5));
        Assert.True(_space.PosixLocks.WaitForWaiters(1, s_bound), "SETLKW never blocked");
        Assert.False(waiter.IsCompleted);
        Assert.Equal(Errno.OK, _a.PosixLocks.Set(Inode, new PosixLockRequest(1, PosixLockType.Unlock, 5, 5, 0), false, default));
        Assert.Equal(Errno.OK, await waiter.WaitAsync(s_bound)); // bounded: TimeoutException fails the test
        Assert.Equal([(0, 1UL, 0L, 4L), (1, 2UL, 5L, 5L), (0, 1UL, 6L, 9L)],
            _space.PosixLocks.Locks(Inode).Select(l => (l.Node, l.Owner, l.Start, l.End)));
    }

    [Fact]
    public async Task A_waiting_setlkw_is_granted_when_the_holder_releases_on_close()
    {
        Assert.Equal(Errno.OK, _a.PosixLocks.Set(Inode, Write(1, 0, PosixLock.OffsetMax), false, default));
        var waiter = SetWaitAsync(_b.PosixLocks, Read(1, 1000, 1000));
        Assert.True(_space.PosixLocks.WaitForWaiters(1, s_bound), "SETLKW never blocked");
        Assert.Equal(Errno.OK, _a.PosixLocks.Release(Inode, 1));
        Assert.Equal(Errno.OK, await waiter.WaitAsync(s_bound)); // bounded: TimeoutException fails the test
    }

    [Fact]
    public async Task Cancelling_a_waiting_setlkw_answers_eintr_and_takes_nothing()
    {
        Assert.Equal(Errno.OK, _a.PosixLocks.Set(Inode, Write(1, 0, 9), false, default));
        using var cts = new CancellationTokenSource();
        var waiter = SetWaitAsync(_b.PosixLocks, Write(1, 0, 9), cts.Token);
        Assert.True(_space.PosixLocks.WaitForWaiters(1, s_bound), "SETLKW never blocked");
        cts.Cancel();
        Assert.Equal(Errno.EINTR, await waiter.WaitAsync(s_bound)); // bounded: TimeoutException fails the test
        Assert.Equal(0, _space.PosixLocks.Waiters);
        Assert.Single(_space.PosixLocks.Locks(Inode));
    }

    [Fact]
    public async Task A_node_declared_dead_loses_its_locks_and_the_other_nodes_waiter_proceeds()
    {
        Assert.Equal(Errno.OK, _a.PosixLocks.Set(Inode, Write(1, 0, 9), false, default));
        var waiter = SetWaitAsync(_b.PosixLocks, Write(1, 0, 9));
        Assert.True(_space.PosixLocks.WaitForWaiters(1, s_bound), "SETLKW never blocked");
        Assert.True(_space.KillNode(0));
        Assert.Equal(Errno.OK, await waiter.WaitAsync(s_bound)); // bounded: TimeoutException fails the test
        // The dead node's later requests fail: it is no longer part of the cluster.
        Assert.Equal(Errno.EIO, _a.PosixLocks.Set(Inode, Write(1, 100, 109), false, default));
    }

    [Fact]
    public void A_node_that_unmounts_drops_its_locks()
    {
        Assert.Equal(Errno.OK, _a.PosixLocks.Set(Inode, Write(1, 0, 9), false, default));
        _a.Unmount();
        Assert.Equal(Errno.OK, _b.PosixLocks.Set(Inode, Write(1, 0, 9), false, default));
        Assert.Equal(Errno.EIO, _a.PosixLocks.Test(Inode, Write(1, 0, 9), out _));
    }

    [Fact]
    public async Task A_setlkw_that_would_close_a_cycle_across_nodes_fails_with_edeadlk()
    {
        Assert.Equal(Errno.OK, _a.PosixLocks.Set(Inode, Write(1, 0, 0), false, default));
        Assert.Equal(Errno.OK, _b.PosixLocks.Set(Inode, Write(1, 1, 1), false, default));
        var aWaits = SetWaitAsync(_a.PosixLocks, Write(1, 1, 1)); // a/1 waits for b/1
        Assert.True(_space.PosixLocks.WaitForWaiters(1, s_bound));
        Assert.Equal(Errno.EDEADLK, _b.PosixLocks.Set(Inode, Write(1, 0, 0), true, default)); // b/1 -> a/1 -> b/1
        Assert.False(aWaits.IsCompleted);
        Assert.Equal(Errno.OK, _b.PosixLocks.Release(Inode, 1));
        Assert.Equal(Errno.OK, await aWaits.WaitAsync(s_bound)); // bounded: TimeoutException fails the test
    }

    [Fact]
    public async Task A_setlkw_that_would_close_a_cycle_between_owners_of_one_node_fails_with_edeadlk()
    {
        Assert.Equal(Errno.OK, _a.PosixLocks.Set(Inode, Write(1, 0, 0), false, default));
        Assert.Equal(Errno.OK, _a.PosixLocks.Set(Inode, Write(2, 1, 1), false, default));
        var first = SetWaitAsync(_a.PosixLocks, Write(1, 1, 1));
        Assert.True(_space.PosixLocks.WaitForWaiters(1, s_bound));
        Assert.Equal(Errno.EDEADLK, _a.PosixLocks.Set(Inode, Write(2, 0, 0), true, default));
        Assert.Equal(Errno.OK, _a.PosixLocks.Release(Inode, 2));
        Assert.Equal(Errno.OK, await first.WaitAsync(s_bound)); // bounded: TimeoutException fails the test
    }

    [Fact]
    public void The_nolock_manager_keeps_a_local_table_with_the_same_rules()
    {
        using var nolock = new NoLockManager();
        Assert.Equal(Errno.EIO, nolock.PosixLocks.Set(Inode, Write(1, 0, 9), false, default)); // not mounted yet
        Assert.True(nolock.Mount("local:fs", 1, -1, new NullCallbacks(), out _).IsOk);
        Assert.Equal(Errno.OK, nolock.PosixLocks.Set(Inode, Write(1, 0, 9), false, default));
        Assert.Equal(Errno.EAGAIN, nolock.PosixLocks.Set(Inode, Read(2, 9, 9), false, default));
        Assert.Equal(Errno.OK, nolock.PosixLocks.Release(Inode, 1));
        Assert.Equal(Errno.OK, nolock.PosixLocks.Set(Inode, Read(2, 9, 9), false, default));
    }

    [Fact]
    public async Task Write_locks_contended_by_owners_on_two_nodes_are_never_held_by_two_at_once_and_raise_no_false_edeadlk()
    {
        int inside = 0, overlaps = 0;
        const int Rounds = 200;
        var workers = new List<Task<Errno>>();
        foreach (var (table, owner) in new[] { (_a.PosixLocks, 1UL), (_a.PosixLocks, 2UL), (_b.PosixLocks, 1UL), (_b.PosixLocks, 2UL) })
        {
            workers.Add(Task.Factory.StartNew(() =>
            {
                for (int i = 0; i < Rounds; i++)
                {
                    // Owner 1 takes byte 0, then byte 1 while holding byte 0; owner 2 takes only byte 1: chains of waiters
                    // form (waiting for 0 behind a holder of 0 waiting for 1), but never a cycle, so any EDEADLK is false.
                    var e = Errno.OK;
                    if (owner == 1) e = table.Set(Inode, Write(owner, 0, 0), true, default);
                    if (!e.IsOk) return e;
                    e = table.Set(Inode, Write(owner, 1, 1), true, default);
                    if (!e.IsOk) return e;
                    if (Interlocked.Increment(ref inside) != 1) Interlocked.Increment(ref overlaps);
                    Interlocked.Decrement(ref inside);
                    e = table.Set(Inode, new PosixLockRequest(owner, PosixLockType.Unlock, 0, 1, 0), false, default);
                    if (!e.IsOk) return e;
                }
                return Errno.OK;
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }
        foreach (var w in workers) Assert.Equal(Errno.OK, await w.WaitAsync(s_bound));
        Assert.Equal(0, overlaps);
        Assert.Empty(_space.PosixLocks.Locks(Inode));
    }
}
