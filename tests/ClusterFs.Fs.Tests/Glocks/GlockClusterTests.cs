using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>Two and three nodes on one in-process lock space: grants and demotes across nodes.</summary>
public class GlockClusterTests
{
    private static readonly TimeSpan Bound = GlockCluster.Bound;
    private static readonly GlockOwner Owner = new(1);

    [Fact]
    public void EX_ping_pong_between_two_nodes_writes_back_and_invalidates_on_every_transfer()
    {
        using var cluster = new GlockCluster(2);
        var gls = cluster.Nodes.Select(n => n.Get(42, InodeGlockOperations.Instance)).ToArray();
        var targets = gls.Select(g => { var t = new RecordingGlockTarget(); g.Target = t; return t; }).ToArray();
        const int rounds = 6;
        for (int i = 0; i < rounds; i++)
        {
            int me = i % 2, other = 1 - me;
            var h = new GlockHolder(gls[me], LockState.Exclusive, GlockHolderFlags.Async, Owner);
            h.Nq();
            Assert.True(h.Wait(Bound).IsOk, $"round {i}: EX not granted");
            cluster.Quiesce(); // the giver records its UN when its own reply is processed, which may lag our grant
            Assert.Equal(LockState.Exclusive, gls[me].State);
            if (i > 0)
            {
                // The previous owner gave it up: wrote back, then dropped data and metadata.
                Assert.Equal(LockState.Unlocked, gls[other].State);
                Assert.Equal(["sync EX->UN", "inval meta"], targets[other].Events.TakeLast(2));
            }
            Assert.Equal(["refresh", "held EX"], targets[me].Events.TakeLast(2)); // re-read after invalidation
            h.Dq();
        }
        // Node 1 took the lock from node 0 rounds/2 times, node 0 took it back rounds/2 - 1 times.
        Assert.Equal(rounds / 2, targets[0].Count("inval meta"));
        Assert.Equal(rounds / 2 - 1, targets[1].Count("inval meta"));
        Assert.Equal(rounds / 2, targets[0].Count("refresh"));
        Assert.Equal(rounds / 2, targets[1].Count("refresh"));
        cluster.AssertNoWorkerFailure();
    }

    [Fact]
    public void SH_is_held_by_all_three_nodes_at_once()
    {
        using var cluster = new GlockCluster(3);
        var holders = cluster.Nodes.Select(n => new GlockHolder(n.Get(5, InodeGlockOperations.Instance), LockState.Shared, owner: Owner)).ToArray();
        foreach (var h in holders)
            Assert.True(h.Nq().IsOk);
        Assert.All(holders, h => Assert.True(h.IsHolder));
        var granted = cluster.Space.GrantedStates(holders[0].Glock.Name);
        Assert.Equal(3, granted.Count);
        Assert.All(granted.Values, s => Assert.Equal(LockState.Shared, s));
        Assert.All(holders, h => Assert.Equal(0, h.Glock.Statistics.DemoteRequests));
    }

    [Fact]
    public void Waiting_nodes_are_granted_in_request_order()
    {
        using var cluster = new GlockCluster(3);
        var gls = cluster.Nodes.Select(n => n.Get(5, RgrpGlockOperations.Instance)).ToArray();
        var ha = new GlockHolder(gls[0], LockState.Exclusive, owner: Owner);
        Assert.True(ha.Nq().IsOk);
        var hb = new GlockHolder(gls[1], LockState.Exclusive, GlockHolderFlags.Async, Owner);
        hb.Nq();
        var hc = new GlockHolder(gls[2], LockState.Exclusive, GlockHolderFlags.Async, Owner);
        hc.Nq();

        ha.Dq();
        Assert.True(hb.Wait(Bound).IsOk);
        cluster.Quiesce();
        Assert.True(hc.IsWaiting);
        hb.Dq();
        Assert.True(hc.Wait(Bound).IsOk);
    }

    [Fact]
    public void EX_request_makes_every_SH_node_give_the_lock_up()
    {
        using var cluster = new GlockCluster(3);
        var gls = cluster.Nodes.Select(n => n.Get(5, RgrpGlockOperations.Instance)).ToArray();
        foreach (var gl in gls)
        {
            var h = new GlockHolder(gl, LockState.Shared, owner: Owner);
            Assert.True(h.Nq().IsOk);
            h.Dq();
        }
        var ex = new GlockHolder(gls[1], LockState.Exclusive, GlockHolderFlags.Async, Owner);
        ex.Nq();
        Assert.True(ex.Wait(Bound).IsOk);
        cluster.Quiesce();
        Assert.Equal(LockState.Unlocked, gls[0].State);
        Assert.Equal(LockState.Unlocked, gls[2].State);
        Assert.Equal(new Dictionary<int, LockState> { [1] = LockState.Exclusive }, cluster.Space.GrantedStates(gls[1].Name));
    }

    [Fact]
    public void Remote_SH_request_demotes_a_cached_EX_to_SH_with_write_back_but_no_invalidation()
    {
        using var cluster = new GlockCluster(2);
        var a = cluster.Nodes[0].Get(5, InodeGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, InodeGlockOperations.Instance);
        var ta = new RecordingGlockTarget();
        a.Target = ta;
        var ha = new GlockHolder(a, LockState.Exclusive, owner: Owner);
        Assert.True(ha.Nq().IsOk);
        ha.Dq();
        var hb = new GlockHolder(b, LockState.Shared, GlockHolderFlags.Async, Owner);
        hb.Nq();
        Assert.True(hb.Wait(Bound).IsOk);
        cluster.Quiesce();
        Assert.Equal(LockState.Shared, a.State);
        Assert.Equal("sync EX->SH", ta.Events[^1]);
        Assert.Equal(0, ta.Count("inval"));
    }

    [Fact]
    public void Demote_to_SH_does_not_wait_for_local_SH_holders_served_by_a_cached_EX()
    {
        using var cluster = new GlockCluster(2);
        var a = cluster.Nodes[0].Get(5, RgrpGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, RgrpGlockOperations.Instance);
        var ex = new GlockHolder(a, LockState.Exclusive, owner: Owner);
        Assert.True(ex.Nq().IsOk);
        ex.Dq();
        var reader = new GlockHolder(a, LockState.Shared, owner: Owner);
        Assert.True(reader.Nq().IsOk); // served by the cached EX

        var remote = new GlockHolder(b, LockState.Shared, GlockHolderFlags.Async, Owner);
        remote.Nq();
        Assert.True(remote.Wait(Bound).IsOk);
        cluster.Quiesce();
        Assert.True(reader.IsHolder);
        Assert.Equal(LockState.Shared, a.State);
    }

    [Fact]
    public void Demote_waits_for_the_local_holder_to_release()
    {
        using var cluster = new GlockCluster(2);
        var a = cluster.Nodes[0].Get(5, RgrpGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, RgrpGlockOperations.Instance);
        var ha = new GlockHolder(a, LockState.Exclusive, owner: Owner);
        Assert.True(ha.Nq().IsOk);
        var hb = new GlockHolder(b, LockState.Exclusive, GlockHolderFlags.Async, Owner);
        hb.Nq();
        cluster.Quiesce();
        Assert.True(hb.IsWaiting);
        Assert.Equal(LockState.Exclusive, a.State);
        Assert.Contains(" f:", cluster.Nodes[0].Dump());
        Assert.Contains("D", cluster.Nodes[0].Dump().Split('\n')[0].Split(' ').First(p => p.StartsWith("f:", StringComparison.Ordinal)));
        ha.Dq();
        Assert.True(hb.Wait(Bound).IsOk);
        cluster.Quiesce();
        Assert.Equal(1, a.Statistics.Demotes);
    }

    [Fact]
    public void Inode_demote_waits_for_the_minimum_hold_time_measured_on_the_clock()
    {
        using var cluster = new GlockCluster(2, minHoldTime: TimeSpan.FromMilliseconds(200));
        var a = cluster.Nodes[0].Get(5, InodeGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, InodeGlockOperations.Instance);
        var ta = new RecordingGlockTarget();
        a.Target = ta;
        var ha = new GlockHolder(a, LockState.Exclusive, owner: Owner);
        Assert.True(ha.Nq().IsOk);
        var hb = new GlockHolder(b, LockState.Exclusive, GlockHolderFlags.Async, Owner);
        hb.Nq();
        ha.Dq(); // released at once, but A got the lock only now

        cluster.Quiesce();
        Assert.True(hb.IsWaiting);
        Assert.Equal(0, ta.Count("sync EX->UN"));
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(199));
        cluster.Quiesce();
        Assert.True(hb.IsWaiting);
        Assert.Equal(0, ta.Count("sync EX->UN"));

        cluster.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(hb.Wait(Bound).IsOk);
        cluster.Quiesce();
        Assert.Equal(1, ta.Count("sync EX->UN"));
    }

    [Fact]
    public void Non_inode_glocks_demote_at_once_regardless_of_the_hold_time()
    {
        using var cluster = new GlockCluster(2, minHoldTime: TimeSpan.FromMilliseconds(200));
        var a = cluster.Nodes[0].Get(5, RgrpGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, RgrpGlockOperations.Instance);
        var ha = new GlockHolder(a, LockState.Exclusive, owner: Owner);
        Assert.True(ha.Nq().IsOk);
        ha.Dq();
        var hb = new GlockHolder(b, LockState.Exclusive, GlockHolderFlags.Async, Owner);
        hb.Nq();
        Assert.True(hb.Wait(Bound).IsOk); // the manual clock never moved
    }

    [Fact]
    public async Task Dequeuing_a_waiter_cancels_its_lock_manager_request()
    {
        using var cluster = new GlockCluster(2);
        var a = cluster.Nodes[0].Get(5, RgrpGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, RgrpGlockOperations.Instance);
        var ha = new GlockHolder(a, LockState.Exclusive, owner: Owner);
        Assert.True(ha.Nq().IsOk);
        var hb = new GlockHolder(b, LockState.Exclusive, GlockHolderFlags.Async, Owner);
        hb.Nq();
        Assert.True(hb.IsWaiting);

        var dq = Task.Run(hb.Dq);
        await dq.WaitAsync(Bound); // throws TimeoutException if the cancel hangs
        Assert.False(hb.IsQueued);
        Assert.Equal(Errno.ECANCELED, hb.Error.Errno);
        Assert.Equal(LockState.Unlocked, b.State);
        cluster.Quiesce();
        Assert.True(ha.IsHolder); // the canceled request left A's holder alone...
        Assert.True(ha.IsHolder);

        // ...and B can ask again later.
        ha.Dq();
        var again = new GlockHolder(b, LockState.Exclusive, GlockHolderFlags.Async, Owner);
        again.Nq();
        Assert.True(again.Wait(Bound).IsOk);
    }

    [Fact]
    public void TRY_1CB_fails_but_makes_the_holder_node_give_the_lock_up()
    {
        using var cluster = new GlockCluster(2);
        var a = cluster.Nodes[0].Get(5, RgrpGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, RgrpGlockOperations.Instance);
        var ha = new GlockHolder(a, LockState.Exclusive, owner: Owner);
        Assert.True(ha.Nq().IsOk);
        ha.Dq();
        var t = new GlockHolder(b, LockState.Exclusive, GlockHolderFlags.TryOneCallback, Owner);
        Assert.True(t.Nq().IsTryFailed);
        cluster.Quiesce();
        Assert.Equal(LockState.Unlocked, a.State);

        var plainTry = new GlockHolder(b, LockState.Exclusive, GlockHolderFlags.Try, Owner);
        Assert.True(plainTry.Nq().IsOk);
    }

    [Fact]
    public void Plain_TRY_against_another_node_fails_without_disturbing_it()
    {
        using var cluster = new GlockCluster(2);
        var a = cluster.Nodes[0].Get(5, RgrpGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, RgrpGlockOperations.Instance);
        var ha = new GlockHolder(a, LockState.Exclusive, owner: Owner);
        Assert.True(ha.Nq().IsOk);
        ha.Dq();
        var t = new GlockHolder(b, LockState.Shared, GlockHolderFlags.Try, Owner);
        Assert.True(t.Nq().IsTryFailed);
        cluster.Quiesce();
        Assert.Equal(LockState.Exclusive, a.State);
        Assert.Equal(0, a.Statistics.DemoteRequests);
    }

    [Fact]
    public void SH_to_EX_conversion_blocked_by_another_SH_node_goes_through_UN_and_invalidates()
    {
        using var cluster = new GlockCluster(2);
        var a = cluster.Nodes[0].Get(5, InodeGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, InodeGlockOperations.Instance);
        var ta = new RecordingGlockTarget();
        a.Target = ta;
        var sa = new GlockHolder(a, LockState.Shared, owner: Owner);
        var sb = new GlockHolder(b, LockState.Shared, owner: Owner);
        Assert.True(sa.Nq().IsOk);
        Assert.True(sb.Nq().IsOk);
        sa.Dq();
        sb.Dq();

        var ex = new GlockHolder(a, LockState.Exclusive, GlockHolderFlags.Async, Owner);
        ex.Nq();
        Assert.True(ex.Wait(Bound).IsOk);
        cluster.Quiesce();
        Assert.Equal(LockState.Unlocked, b.State);
        Assert.Equal(["sync SH->EX", "sync SH->UN", "inval meta", "sync UN->EX", "refresh", "held EX"], ta.Events.Skip(3));
    }

    [Fact]
    public void A_dead_nodes_locks_are_released_after_survivors_recover_its_journal()
    {
        using var cluster = new GlockCluster(3);
        var c = cluster.Nodes[2].Get(5, InodeGlockOperations.Instance);
        var hc = new GlockHolder(c, LockState.Exclusive, owner: Owner);
        Assert.True(hc.Nq().IsOk);
        var b = cluster.Nodes[1].Get(5, InodeGlockOperations.Instance);
        var hb = new GlockHolder(b, LockState.Shared, GlockHolderFlags.Async, Owner);
        hb.Nq();
        Assert.True(hb.IsWaiting);

        Assert.True(cluster.Space.KillNode(2));
        Assert.Equal([2], cluster.Nodes[0].RecoveryRequests);
        Assert.Equal([2], cluster.Nodes[1].RecoveryRequests);
        Assert.True(cluster.Nodes[2].IsWithdrawn);
        Assert.Equal([2], cluster.Space.JournalsNeedingRecovery);
        Assert.DoesNotContain(2, cluster.Space.GrantedStates(c.Name).Keys);
        cluster.Quiesce();
        Assert.True(hb.IsWaiting); // ordinary requests wait for the replay

        // Node 0 recovers journal 2 under its journal glock (NOEXP passes the recovery block).
        var jgl = cluster.Nodes[0].Get(2, JournalGlockOperations.Instance);
        var jh = new GlockHolder(jgl, LockState.Exclusive, GlockHolderFlags.NoExpire, Owner);
        Assert.True(jh.Nq().IsOk);
        cluster.Nodes[0].LockManager.RecoveryDone(2);
        jh.Dq();

        Assert.True(hb.Wait(Bound).IsOk);
        Assert.Empty(cluster.Space.JournalsNeedingRecovery);
        Assert.Equal(Errno.EIO, new GlockHolder(c, LockState.Shared, owner: new GlockOwner(9)).Nq().Errno);
    }

    [Fact]
    public void A_waiter_on_a_node_declared_dead_fails_with_EIO_instead_of_hanging()
    {
        using var cluster = new GlockCluster(2);
        var a = cluster.Nodes[0].Get(5, RgrpGlockOperations.Instance);
        var b = cluster.Nodes[1].Get(5, RgrpGlockOperations.Instance);
        var ha = new GlockHolder(a, LockState.Exclusive, owner: Owner);
        Assert.True(ha.Nq().IsOk);
        var hb = new GlockHolder(b, LockState.Exclusive, GlockHolderFlags.Async, Owner);
        hb.Nq();
        Assert.True(hb.IsWaiting);

        Assert.True(cluster.Space.KillNode(1));
        Assert.Equal(Errno.EIO, hb.Wait(Bound).Errno);
        Assert.True(cluster.Nodes[1].IsWithdrawn); // told before its request failed
        Assert.False(hb.IsQueued);
        Assert.True(ha.IsHolder);
    }

    [Fact]
    public void Reclaim_demotes_unused_cached_glocks_and_frees_unreferenced_unlocked_ones()
    {
        using var cluster = new GlockCluster(1);
        var node = cluster.Nodes[0];
        var held = node.Get(1, RgrpGlockOperations.Instance);
        var cached = node.Get(2, RgrpGlockOperations.Instance);
        var hh = new GlockHolder(held, LockState.Exclusive, owner: Owner);
        var hc = new GlockHolder(cached, LockState.Exclusive, owner: Owner);
        Assert.True(hh.Nq().IsOk);
        Assert.True(hc.Nq().IsOk);
        hc.Dq();
        cached.Put();

        Assert.Equal(1, node.Reclaim());
        cluster.Quiesce();
        Assert.Equal(LockState.Exclusive, held.State);
        Assert.Equal(LockState.Unlocked, cached.State);
        Assert.Empty(cluster.Space.GrantedStates(cached.Name));
        Assert.Equal(2, node.Count);
        Assert.Equal(1, node.Reclaim());
        Assert.Equal(1, node.Count);
        Assert.Null(node.Find(cached.Name));
    }
}
