using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.LockManagers.Etcd;
using ClusterFs.Fs.Tests.Glocks;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>Glock tables on two and three nodes over real etcd lock managers: transfers, sharing, node death, withdraw.</summary>
[Collection(EtcdCollection.Name)]
public sealed class GlockEtcdTests(EtcdFixture etcd)
{
    private static readonly TimeSpan Bound = EtcdGlockCluster.Bound;
    private static readonly GlockOwner Owner = new(1);

    private static GlockResult Acquire(Glock gl, LockState state, GlockHolderFlags flags, out GlockHolder holder)
    {
        holder = new GlockHolder(gl, state, flags | GlockHolderFlags.Async, Owner);
        holder.Nq();
        return holder.Wait(Bound);
    }

    [EtcdFact]
    public void EX_ping_pong_between_two_nodes_writes_back_and_invalidates_on_the_losing_node_every_time()
    {
        using var cluster = new EtcdGlockCluster(etcd, 2, "glock-pingpong");
        var gls = cluster.Nodes.Select(n => n.Get(42, InodeGlockOperations.Instance)).ToArray();
        var targets = gls.Select(g => { var t = new RecordingGlockTarget(); g.Target = t; return t; }).ToArray();
        const int rounds = 6;
        for (int i = 0; i < rounds; i++)
        {
            int me = i % 2, other = 1 - me;
            Assert.True(Acquire(gls[me], LockState.Exclusive, GlockHolderFlags.None, out var h).IsOk, $"round {i}: EX not granted");
            Assert.Equal(LockState.Exclusive, gls[me].State);
            if (i > 0)
            {
                // The loser wrote back and dropped data and metadata before etcd could grant the winner.
                Assert.Equal(["sync EX->UN", "inval meta"], targets[other].Events.TakeLast(2));
                // Its own release reply may still be on the way.
                EtcdGlockCluster.WaitUntil(() => gls[other].State == LockState.Unlocked, $"round {i}: node {other} back to UN");
            }
            Assert.Equal(["refresh", "held EX"], targets[me].Events.TakeLast(2)); // re-read after the invalidation
            h.Dq();
        }
        // Node 1 took the lock from node 0 rounds/2 times, node 0 took it back rounds/2 - 1 times.
        Assert.Equal(rounds / 2, targets[0].Count("inval meta"));
        Assert.Equal(rounds / 2 - 1, targets[1].Count("inval meta"));
        Assert.Equal(rounds - 1, gls[0].Statistics.Demotes + gls[1].Statistics.Demotes);
        cluster.AssertNoWorkerFailure();
    }

    [EtcdFact]
    public async Task SH_is_held_by_all_three_nodes_at_once_without_any_demote()
    {
        using var cluster = new EtcdGlockCluster(etcd, 3, "glock-shared");
        var gls = cluster.Nodes.Select(n => n.Get(5, InodeGlockOperations.Instance)).ToArray();
        var holders = new GlockHolder[3];
        for (int i = 0; i < 3; i++)
            Assert.True(Acquire(gls[i], LockState.Shared, GlockHolderFlags.None, out holders[i]).IsOk, $"node {i}: SH not granted");
        Assert.All(holders, h => Assert.True(h.IsHolder));
        Assert.All(gls, g => Assert.Equal(LockState.Shared, g.State));

        // etcd agrees: three holder keys, all SH.
        using var client = new EtcdClient(etcd.ClientUrl, Bound);
        string prefix = new EtcdLockKeys(cluster.Table).HoldersPrefix(gls[0].Name);
        var held = await client.RangeAsync(prefix, EtcdClient.PrefixEnd(prefix));
        Assert.True(held.IsOk, held.Message);
        Assert.Equal(3, held.Value!.Kvs.Count);
        Assert.All(held.Value.Kvs, kv => Assert.Equal(((byte)LockState.Shared).ToString(System.Globalization.CultureInfo.InvariantCulture), kv.Value));
        Assert.All(gls, g => Assert.Equal(0, g.Statistics.DemoteRequests));
        foreach (var h in holders)
            h.Dq();
        cluster.AssertNoWorkerFailure();
    }

    [EtcdFact]
    public async Task A_dead_nodes_locks_are_released_and_a_survivor_recovers_its_journal_and_takes_its_locks()
    {
        using var cluster = new EtcdGlockCluster(etcd, 3, "glock-dead");
        var recovery = new TaskCompletionSource<(int Node, int Journal)>(TaskCreationOptions.RunContinuationsAsynchronously);
        for (int i = 0; i < 2; i++)
        {
            int node = i;
            cluster.Nodes[i].JournalRecoveryRequested += jid => recovery.TrySetResult((node, jid));
        }
        var dead = cluster.Nodes[2].Get(5, InodeGlockOperations.Instance);
        Assert.True(Acquire(dead, LockState.Exclusive, GlockHolderFlags.None, out var deadHolder).IsOk);
        var waiter = new GlockHolder(cluster.Nodes[1].Get(5, InodeGlockOperations.Instance), LockState.Shared, GlockHolderFlags.Async, Owner);
        waiter.Nq();
        EtcdGlockCluster.WaitUntil(() => dead.Statistics.DemoteRequests > 0, "node 2 told about the waiting SH request");
        Assert.True(waiter.IsWaiting); // node 2 still holds EX

        // Node 2 dies: its lease is gone, so are its member key and its holder keys.
        using var client = new EtcdClient(etcd.ClientUrl, Bound);
        Assert.True((await client.LeaseRevokeAsync(cluster.Managers[2].LeaseId)).IsOk);

        Assert.True(waiter.Wait(Bound).IsOk, "the dead node's EX was not released");
        var (recoverer, journal) = await recovery.Task.WaitAsync(Bound);
        Assert.Equal(2, journal);
        EtcdGlockCluster.WaitUntil(() => cluster.Nodes[2].IsWithdrawn, "node 2 withdraws once its lease is gone");
        Assert.True(deadHolder.IsHolder); // a withdrawn node's holders keep their grant until they dequeue...
        Assert.Equal(Errno.EIO, new GlockHolder(dead, LockState.Shared, owner: new GlockOwner(9)).Nq().Errno); // ...but nothing new

        // The recoverer replays journal 2 under its journal glock, then takes the dead node's lock EX.
        var survivor = cluster.Nodes[recoverer];
        Assert.Equal([2], survivor.RecoveryRequests);
        Assert.Empty(cluster.Nodes[1 - recoverer].RecoveryRequests);
        Assert.True(Acquire(survivor.Get(2, JournalGlockOperations.Instance), LockState.Exclusive, GlockHolderFlags.NoExpire, out var journalHolder).IsOk);
        survivor.LockManager.RecoveryDone(2);
        journalHolder.Dq();
        waiter.Dq();
        var took = Acquire(survivor.Get(5, InodeGlockOperations.Instance), LockState.Exclusive, GlockHolderFlags.None, out var taken);
        Assert.True(took.IsOk, $"the survivor (node {recoverer}) could not take the dead node's lock: {took}\n{survivor.Dump()}");
        taken.Dq();
        cluster.AssertNoWorkerFailure();
    }

    [EtcdFact]
    public void A_node_that_cannot_renew_its_lease_withdraws_its_waiter_fails_with_EIO_and_later_enqueues_fail_with_EIO()
    {
        using var cluster = new EtcdGlockCluster(etcd, 2, "glock-withdraw");
        var a = cluster.Nodes[0].Get(7, RgrpGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(7, RgrpGlockOperations.Instance);
        Assert.True(Acquire(a, LockState.Exclusive, GlockHolderFlags.None, out var ha).IsOk);
        var hb = new GlockHolder(b, LockState.Exclusive, GlockHolderFlags.Async, Owner);
        hb.Nq();
        EtcdGlockCluster.WaitUntil(() => a.Statistics.DemoteRequests > 0, "node 0 told about node 1's request");

        cluster.Managers[1].SuspendKeepAlive(); // cut off from etcd: it must fence itself within the lease TTL
        Assert.Equal(Errno.EIO, hb.Wait(Bound).Errno);
        Assert.True(cluster.Nodes[1].IsWithdrawn);
        Assert.Contains("keep-alive", cluster.Nodes[1].WithdrawReason);
        Assert.Equal(Errno.EIO, new GlockHolder(b, LockState.Shared, owner: new GlockOwner(2)).Nq().Errno);
        var other = cluster.Nodes[1].Get(8, RgrpGlockOperations.Instance);
        Assert.Equal(Errno.EIO, new GlockHolder(other, LockState.Exclusive, owner: Owner).Nq().Errno);

        // The healthy node keeps its lock and goes on working.
        Assert.True(ha.IsHolder);
        Assert.False(cluster.Nodes[0].IsWithdrawn);
        ha.Dq();
        Assert.True(Acquire(cluster.Nodes[0].Get(8, RgrpGlockOperations.Instance), LockState.Exclusive, GlockHolderFlags.None, out var h8).IsOk);
        h8.Dq();
        cluster.AssertNoWorkerFailure();
    }

    [EtcdFact]
    public void A_remote_request_waits_for_the_inode_minimum_hold_time_on_the_glock_clock()
    {
        using var cluster = new EtcdGlockCluster(etcd, 2, "glock-holdtime", minHoldTime: TimeSpan.FromMilliseconds(200));
        var a = cluster.Nodes[0].Get(5, InodeGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, InodeGlockOperations.Instance);
        var ta = new RecordingGlockTarget();
        a.Target = ta;
        Assert.True(Acquire(a, LockState.Exclusive, GlockHolderFlags.None, out var ha).IsOk);
        ha.Dq(); // cached EX, just granted
        var hb = new GlockHolder(b, LockState.Exclusive, GlockHolderFlags.Async, Owner);
        hb.Nq();
        EtcdGlockCluster.WaitUntil(() => a.Statistics.DemoteRequests > 0, "node 0 told about node 1's request");
        Assert.True(cluster.Nodes[0].WaitForIdle(Bound));
        Assert.True(hb.IsWaiting);
        Assert.Equal(0, ta.Count("sync EX->"));

        cluster.Clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(cluster.Nodes[0].WaitForIdle(Bound));
        Assert.True(hb.IsWaiting);
        Assert.Equal(0, ta.Count("sync EX->"));

        cluster.Clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(hb.Wait(Bound).IsOk);
        Assert.Equal(["sync EX->UN", "inval meta"], ta.Events.TakeLast(2));
        hb.Dq();
        cluster.AssertNoWorkerFailure();
    }

    [EtcdFact]
    public void Two_SH_nodes_converting_to_EX_at_once_both_get_EX_in_turn_without_deadlock()
    {
        using var cluster = new EtcdGlockCluster(etcd, 2, "glock-convert");
        var gls = cluster.Nodes.Select(n => n.Get(5, InodeGlockOperations.Instance)).ToArray();
        var targets = gls.Select(g => { var t = new RecordingGlockTarget(); g.Target = t; return t; }).ToArray();
        for (int round = 0; round < 3; round++)
        {
            foreach (var gl in gls)
            {
                Assert.True(Acquire(gl, LockState.Shared, GlockHolderFlags.None, out var sh).IsOk, $"round {round}: SH not granted");
                sh.Dq(); // both nodes cache SH
            }
            Assert.All(gls, g => Assert.Equal(LockState.Shared, g.State));
            var ex = gls.Select(g => new GlockHolder(g, LockState.Exclusive, GlockHolderFlags.Async, Owner)).ToArray();
            foreach (var h in ex)
                h.Nq();
            // Whichever wins releases; the other must then be granted too.
            EtcdGlockCluster.WaitUntil(() => ex.Any(h => h.IsHolder), $"round {round}: neither conversion to EX was granted");
            int first = ex[0].IsHolder ? 0 : 1;
            Assert.False(ex[1 - first].IsHolder, "both nodes hold EX");
            ex[first].Dq();
            Assert.True(ex[1 - first].Wait(Bound).IsOk, $"round {round}: the second conversion to EX was not granted");
            ex[1 - first].Dq();
        }
        // Every conversion out of SH that lost went through UN with invalidation: data is never kept across it.
        Assert.True(targets.Sum(t => t.Count("inval meta")) >= 3);
        cluster.AssertNoWorkerFailure();
    }

    [EtcdFact]
    public void Dequeuing_a_waiter_cancels_its_etcd_request_and_the_node_can_ask_again()
    {
        using var cluster = new EtcdGlockCluster(etcd, 2, "glock-cancel");
        var a = cluster.Nodes[0].Get(5, RgrpGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, RgrpGlockOperations.Instance);
        Assert.True(Acquire(a, LockState.Exclusive, GlockHolderFlags.None, out var ha).IsOk);
        var hb = new GlockHolder(b, LockState.Exclusive, GlockHolderFlags.Async, Owner);
        hb.Nq();
        EtcdGlockCluster.WaitUntil(() => a.Statistics.DemoteRequests > 0, "node 0 told about node 1's request");

        Assert.True(Task.Run(hb.Dq).Wait(Bound), "cancelling the waiter hung");
        Assert.False(hb.IsQueued);
        Assert.Equal(Iov.Errno.ECANCELED, hb.Error.Errno);
        Assert.Equal(LockState.Unlocked, b.State);
        Assert.True(ha.IsHolder);

        ha.Dq();
        Assert.True(Acquire(b, LockState.Exclusive, GlockHolderFlags.None, out var again).IsOk);
        again.Dq();
        cluster.AssertNoWorkerFailure();
    }

    [EtcdFact]
    public void TRY_1CB_fails_but_makes_the_other_node_give_the_lock_up_while_a_plain_TRY_disturbs_nobody()
    {
        using var cluster = new EtcdGlockCluster(etcd, 2, "glock-try");
        var a = cluster.Nodes[0].Get(5, RgrpGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, RgrpGlockOperations.Instance);
        Assert.True(Acquire(a, LockState.Exclusive, GlockHolderFlags.None, out var ha).IsOk);
        ha.Dq(); // cached EX on node 0

        Assert.True(Acquire(b, LockState.Shared, GlockHolderFlags.Try, out _).IsTryFailed);
        Assert.Equal(0, a.Statistics.DemoteRequests);

        Assert.True(Acquire(b, LockState.Exclusive, GlockHolderFlags.TryOneCallback, out _).IsTryFailed);
        EtcdGlockCluster.WaitUntil(() => a.State == LockState.Unlocked, "node 0 gives up its cached EX after the one callback");
        Assert.True(Acquire(b, LockState.Exclusive, GlockHolderFlags.Try, out var hb).IsOk);
        hb.Dq();
        cluster.AssertNoWorkerFailure();
    }

    [EtcdFact]
    public void Unmount_writes_back_cached_glocks_and_releases_them_to_the_other_node()
    {
        using var cluster = new EtcdGlockCluster(etcd, 2, "glock-unmount");
        var a = cluster.Nodes[0].Get(5, InodeGlockOperations.Instance);
        var ta = new RecordingGlockTarget();
        a.Target = ta;
        Assert.True(Acquire(a, LockState.Exclusive, GlockHolderFlags.None, out var ha).IsOk);
        ha.Dq(); // cached EX, nobody asking for it

        cluster.Nodes[0].Unmount(Bound);
        Assert.Equal(["sync EX->UN", "inval meta"], ta.Events.TakeLast(2));
        var b = cluster.Nodes[1].Get(5, InodeGlockOperations.Instance);
        Assert.True(Acquire(b, LockState.Exclusive, GlockHolderFlags.Try, out var hb).IsOk, "node 0's EX outlived its unmount");
        hb.Dq();
        cluster.AssertNoWorkerFailure();
    }

    [EtcdFact]
    public void A_remote_SH_request_demotes_a_cached_EX_to_SH_with_write_back_but_no_invalidation()
    {
        using var cluster = new EtcdGlockCluster(etcd, 2, "glock-ex-sh");
        var a = cluster.Nodes[0].Get(5, InodeGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, InodeGlockOperations.Instance);
        var ta = new RecordingGlockTarget();
        a.Target = ta;
        Assert.True(Acquire(a, LockState.Exclusive, GlockHolderFlags.None, out var ha).IsOk);
        ha.Dq();
        Assert.True(Acquire(b, LockState.Shared, GlockHolderFlags.None, out var hb).IsOk);
        Assert.Equal("sync EX->SH", ta.Events[^1]); // written back before etcd could grant node 1
        EtcdGlockCluster.WaitUntil(() => a.State == LockState.Shared, "node 0 records its downgrade");
        Assert.Equal(0, ta.Count("inval"));
        hb.Dq();
        cluster.AssertNoWorkerFailure();
    }

    [EtcdFact]
    public void A_remote_DF_request_makes_a_cached_SH_node_give_way_and_both_end_compatible()
    {
        using var cluster = new EtcdGlockCluster(etcd, 2, "glock-sh-df");
        var a = cluster.Nodes[0].Get(5, InodeGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, InodeGlockOperations.Instance);
        var ta = new RecordingGlockTarget();
        a.Target = ta;
        Assert.True(Acquire(a, LockState.Shared, GlockHolderFlags.None, out var ha).IsOk);
        ha.Dq();
        Assert.True(Acquire(b, LockState.Deferred, GlockHolderFlags.None, out var hb).IsOk, "DF not granted while node 0 cached SH");
        Assert.True(ta.Count("inval") > 0, "node 0 left SH without dropping its cache"); // before etcd could grant node 1
        EtcdGlockCluster.WaitUntil(() => a.State is LockState.Deferred or LockState.Unlocked, "node 0 leaves SH");
        hb.Dq();
        cluster.AssertNoWorkerFailure();
    }
}
