using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>The ILockManager contract between two and three etcd nodes: grants, blocking callbacks, order, Try, Cancel.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdLockingTests(EtcdFixture etcd)
{
    private static readonly LockName s_inode = new(2, 0x1234);
    private const LockState UN = LockState.Unlocked, EX = LockState.Exclusive, DF = LockState.Deferred, SH = LockState.Shared;

    private (EtcdNode, EtcdNode, EventClock) TwoNodes(string purpose)
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable(purpose);
        return (EtcdNode.Mount(etcd, clock, table), EtcdNode.Mount(etcd, clock, table), clock);
    }

    [EtcdFact]
    public async Task Exclusive_ping_pongs_between_two_nodes_with_a_blocking_callback_to_the_holder_each_time()
    {
        var (a, b, _) = TwoNodes("pingpong");
        using (a)
        using (b)
        {
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, EX), EX);
            var (holder, waiter) = (a, b);
            for (int round = 0; round < 4; round++)
            {
                var granted = waiter.StartLock(s_inode, UN, EX);
                var blocking = await holder.Callbacks.NextBlockingAsync(s_inode);
                Assert.Equal(EX, blocking.Wanted);
                Assert.False(granted.IsCompleted, "the waiter was granted EX while the other node still held EX");
                EtcdNode.AssertGranted(await holder.LockAsync(s_inode, EX, UN), UN);
                EtcdNode.AssertGranted(await granted, EX);
                (holder, waiter) = (waiter, holder);
            }
        }
    }

    [EtcdFact]
    public async Task Waiters_for_exclusive_are_granted_in_the_order_they_asked()
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable("fifo");
        using var a = EtcdNode.Mount(etcd, clock, table);
        using var b = EtcdNode.Mount(etcd, clock, table);
        using var c = EtcdNode.Mount(etcd, clock, table);
        EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, EX), EX);
        var bGranted = b.StartLock(s_inode, UN, EX);
        await a.Callbacks.NextBlockingAsync(s_inode); // b is queued
        var cGranted = c.StartLock(s_inode, UN, EX);
        await a.Callbacks.NextBlockingAsync(s_inode); // c is queued behind b
        EtcdNode.AssertGranted(await a.LockAsync(s_inode, EX, UN), UN);
        Assert.Same(bGranted, await Task.WhenAny(bGranted, cGranted));
        EtcdNode.AssertGranted(await bGranted, EX);
        Assert.Equal(EX, (await b.Callbacks.NextBlockingAsync(s_inode)).Wanted); // c still waits, now on b
        EtcdNode.AssertGranted(await b.LockAsync(s_inode, EX, UN), UN);
        EtcdNode.AssertGranted(await cGranted, EX);
    }

    [EtcdFact]
    public async Task A_shared_request_does_not_overtake_an_earlier_exclusive_waiter()
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable("noovertake");
        using var a = EtcdNode.Mount(etcd, clock, table);
        using var b = EtcdNode.Mount(etcd, clock, table);
        using var c = EtcdNode.Mount(etcd, clock, table);
        EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, SH), SH);
        var bGranted = b.StartLock(s_inode, UN, EX);
        Assert.Equal(EX, (await a.Callbacks.NextBlockingAsync(s_inode)).Wanted);
        // Compatible with a's SH, but behind b: a Try fails at once, a plain request queues after b.
        var cTried = await c.LockAsync(s_inode, UN, SH, LockRequestFlags.Try);
        Assert.Equal((UN, LockStatus.TryFailed), (cTried.State, cTried.Status));
        var cGranted = c.StartLock(s_inode, UN, SH);
        EtcdNode.AssertGranted(await a.LockAsync(s_inode, SH, UN), UN);
        var bDone = await bGranted;
        EtcdNode.AssertGranted(bDone, EX);
        Assert.Equal(SH, (await b.Callbacks.NextBlockingAsync(s_inode)).Wanted);
        EtcdNode.AssertGranted(await b.LockAsync(s_inode, EX, UN), UN);
        var cDone = await cGranted;
        EtcdNode.AssertGranted(cDone, SH);
        Assert.True(bDone.Seq < cDone.Seq, "the later SH request was granted before the earlier EX request");
    }

    [EtcdFact]
    public async Task Shared_is_held_by_three_nodes_at_once_and_an_exclusive_request_calls_back_every_holder()
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable("shared");
        using var a = EtcdNode.Mount(etcd, clock, table);
        using var b = EtcdNode.Mount(etcd, clock, table);
        using var c = EtcdNode.Mount(etcd, clock, table);
        foreach (var n in new[] { a, b, c }) EtcdNode.AssertGranted(await n.LockAsync(s_inode, UN, SH), SH);
        var aExclusive = a.StartLock(s_inode, SH, EX);
        Assert.Equal(EX, (await b.Callbacks.NextBlockingAsync(s_inode)).Wanted);
        Assert.Equal(EX, (await c.Callbacks.NextBlockingAsync(s_inode)).Wanted);
        EtcdNode.AssertGranted(await b.LockAsync(s_inode, SH, UN), UN);
        Assert.False(aExclusive.IsCompleted, "EX granted while a third node still held SH");
        EtcdNode.AssertGranted(await c.LockAsync(s_inode, SH, UN), UN);
        EtcdNode.AssertGranted(await aExclusive, EX);
        Assert.False(a.Callbacks.HasBlocking(s_inode), "a node was called back by its own request");
    }

    [EtcdFact]
    public async Task Deferred_is_shared_with_deferred_but_a_shared_request_calls_back_and_waits_for_both()
    {
        var (a, b, _) = TwoNodes("deferred");
        using (a)
        using (b)
        {
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, DF), DF);
            EtcdNode.AssertGranted(await b.LockAsync(s_inode, UN, DF), DF);
            var bShared = b.StartLock(s_inode, DF, SH);
            Assert.Equal(SH, (await a.Callbacks.NextBlockingAsync(s_inode)).Wanted);
            Assert.False(bShared.IsCompleted, "SH granted while another node held DF");
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, DF, UN), UN);
            EtcdNode.AssertGranted(await bShared, SH);
            var aDeferred = a.StartLock(s_inode, UN, DF);
            Assert.Equal(DF, (await b.Callbacks.NextBlockingAsync(s_inode)).Wanted);
            EtcdNode.AssertGranted(await b.LockAsync(s_inode, SH, UN), UN);
            EtcdNode.AssertGranted(await aDeferred, DF);
        }
    }

    [EtcdFact]
    public async Task An_any_shared_request_is_granted_as_deferred_while_other_nodes_hold_deferred()
    {
        var (a, b, _) = TwoNodes("any");
        using (a)
        using (b)
        {
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, DF), DF);
            EtcdNode.AssertGranted(await b.LockAsync(s_inode, UN, SH, LockRequestFlags.Any), DF);
        }
    }

    [EtcdFact]
    public async Task Try_fails_at_once_without_a_callback_and_try_one_callback_fails_after_one_callback()
    {
        var (a, b, _) = TwoNodes("try");
        using (a)
        using (b)
        {
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, EX), EX);
            var tried = await b.LockAsync(s_inode, UN, SH, LockRequestFlags.Try);
            Assert.Equal((UN, LockStatus.TryFailed), (tried.State, tried.Status));
            var tried1cb = await b.LockAsync(s_inode, UN, DF, LockRequestFlags.TryOneCallback);
            Assert.Equal((UN, LockStatus.TryFailed), (tried1cb.State, tried1cb.Status));
            // The first callback a sees is the DF of TryOneCallback: the plain Try (SH) sent none.
            Assert.Equal(DF, (await a.Callbacks.NextBlockingAsync(s_inode)).Wanted);
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, EX, UN), UN);
            EtcdNode.AssertGranted(await b.LockAsync(s_inode, UN, EX, LockRequestFlags.Try), EX);
        }
    }

    [EtcdFact]
    public async Task A_cancelled_waiter_completes_as_canceled_and_no_longer_holds_up_the_queue()
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable("cancel");
        using var a = EtcdNode.Mount(etcd, clock, table);
        using var b = EtcdNode.Mount(etcd, clock, table);
        using var c = EtcdNode.Mount(etcd, clock, table);
        EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, EX), EX);
        var bWaits = b.StartLock(s_inode, UN, EX);
        await a.Callbacks.NextBlockingAsync(s_inode);
        b.Manager.Cancel(s_inode);
        var cancelled = await bWaits;
        Assert.Equal((UN, LockStatus.Canceled), (cancelled.State, cancelled.Status));
        var cWaits = c.StartLock(s_inode, UN, EX);
        await a.Callbacks.NextBlockingAsync(s_inode);
        EtcdNode.AssertGranted(await a.LockAsync(s_inode, EX, UN), UN);
        EtcdNode.AssertGranted(await cWaits, EX);
        Assert.False(b.Callbacks.HasCompletion(s_inode), "a cancelled request completed twice");
    }

    [EtcdFact]
    public async Task Converting_requests_that_deadlock_complete_the_later_one_unchanged_so_it_can_release()
    {
        var (a, b, _) = TwoNodes("convdeadlock");
        using (a)
        using (b)
        {
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, SH), SH);
            EtcdNode.AssertGranted(await b.LockAsync(s_inode, UN, SH), SH);
            var aUp = a.StartLock(s_inode, SH, EX);
            Assert.Equal(EX, (await b.Callbacks.NextBlockingAsync(s_inode)).Wanted);
            // b's own conversion can never be granted while a waits for b's SH: it comes back unchanged.
            var bUp = await b.LockAsync(s_inode, SH, EX);
            Assert.Equal((SH, LockStatus.Granted), (bUp.State, bUp.Status));
            EtcdNode.AssertGranted(await b.LockAsync(s_inode, SH, UN), UN);
            EtcdNode.AssertGranted(await aUp, EX);
        }
    }

    [EtcdFact]
    public async Task A_try_conversion_behind_a_conflicting_earlier_waiter_fails_as_try_failed_in_its_held_state()
    {
        var (a, b, _) = TwoNodes("tryconv");
        using (a)
        using (b)
        {
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, SH), SH);
            EtcdNode.AssertGranted(await b.LockAsync(s_inode, UN, SH), SH);
            var aUp = a.StartLock(s_inode, SH, EX);
            Assert.Equal(EX, (await b.Callbacks.NextBlockingAsync(s_inode)).Wanted);
            // What the glock layer sends for SH->EX: a try request must fail rather than come back "granted".
            var bUp = await b.LockAsync(s_inode, SH, EX, LockRequestFlags.TryOneCallback);
            Assert.Equal((SH, LockStatus.TryFailed), (bUp.State, bUp.Status));
            EtcdNode.AssertGranted(await b.LockAsync(s_inode, SH, UN), UN);
            EtcdNode.AssertGranted(await aUp, EX);
        }
    }

    [EtcdFact]
    public async Task Releasing_and_downgrading_complete_at_once_and_wake_compatible_waiters()
    {
        var (a, b, _) = TwoNodes("downgrade");
        using (a)
        using (b)
        {
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, EX), EX);
            var bShared = b.StartLock(s_inode, UN, SH);
            Assert.Equal(SH, (await a.Callbacks.NextBlockingAsync(s_inode)).Wanted);
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, EX, SH), SH);
            EtcdNode.AssertGranted(await bShared, SH);
        }
    }

    [EtcdFact]
    public async Task A_release_that_changes_nothing_does_not_hold_up_the_next_request()
    {
        var (a, b, _) = TwoNodes("noop-release");
        using (a)
        using (b)
        {
            // Another lock space's write moves the store revision past anything this lock space's watch will see.
            using var client = new LockManagers.Etcd.EtcdClient(etcd.ClientUrl, TimeSpan.FromSeconds(5));
            Assert.True((await client.PutAsync("/unrelated/" + etcd.UniqueTable("bump"), "x")).IsOk);
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, SH, UN), UN); // a held nothing: no key changes
            EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, EX), EX);
        }
    }

    [EtcdFact]
    public async Task Uncontended_requests_are_granted_by_the_one_txn_fast_path_even_right_after_a_release()
    {
        var (a, b, _) = TwoNodes("fastpath");
        using (a)
        using (b) // b is there but never asks
        {
            for (int i = 0; i < 3; i++)
            {
                EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, EX), EX);
                EtcdNode.AssertGranted(await a.LockAsync(s_inode, EX, UN), UN);
            }
            Assert.Equal(3, a.Manager.FastGrants);
        }
    }
}
