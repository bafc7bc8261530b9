using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>Single-node holder queue semantics (gfs2 may_grant / do_promote / add_to_queue) on lock_nolock.</summary>
public class GlockQueueTests
{
    private static readonly TimeSpan Bound = GlockCluster.Bound;
    private static readonly GlockOwner O1 = new(1), O2 = new(2), O3 = new(3);

    public static TheoryData<LockState, LockState> StatePairs()
    {
        var data = new TheoryData<LockState, LockState>();
        LockState[] held = [LockState.Shared, LockState.Deferred, LockState.Exclusive];
        foreach (var a in held)
            foreach (var b in held)
                data.Add(a, b);
        return data;
    }

    [Theory]
    [MemberData(nameof(StatePairs))]
    public void Local_holders_share_a_glock_exactly_when_their_states_are_compatible(LockState first, LockState second)
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var h1 = new GlockHolder(gl, first, owner: O1);
        Assert.True(h1.Nq().IsOk);
        var h2 = new GlockHolder(gl, second, GlockHolderFlags.Try, O2);
        var r = h2.Nq();
        bool compatible = LockStateRules.Compatible(first, second);
        Assert.Equal(compatible, r.IsOk);
        Assert.Equal(!compatible, r.IsTryFailed);
        Assert.Equal(compatible, h2.IsHolder);
    }

    [Fact]
    public void Compatibility_rules_are_SH_with_SH_DF_with_DF_EX_with_nothing_UN_with_all()
    {
        Assert.True(LockStateRules.Compatible(LockState.Shared, LockState.Shared));
        Assert.True(LockStateRules.Compatible(LockState.Deferred, LockState.Deferred));
        Assert.False(LockStateRules.Compatible(LockState.Shared, LockState.Deferred));
        Assert.False(LockStateRules.Compatible(LockState.Exclusive, LockState.Exclusive));
        Assert.False(LockStateRules.Compatible(LockState.Exclusive, LockState.Shared));
        Assert.True(LockStateRules.Compatible(LockState.Unlocked, LockState.Exclusive));
    }

    [Fact]
    public void A_compatible_request_does_not_overtake_an_earlier_incompatible_waiter()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var sh1 = new GlockHolder(gl, LockState.Shared, owner: O1);
        Assert.True(sh1.Nq().IsOk);
        var ex = new GlockHolder(gl, LockState.Exclusive, GlockHolderFlags.Async, O2);
        Assert.True(ex.Nq().IsOk);
        var sh3 = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.Async, O3);
        Assert.True(sh3.Nq().IsOk);
        Assert.True(ex.IsWaiting);
        Assert.True(sh3.IsWaiting); // compatible with the SH holder, but behind the EX waiter

        sh1.Dq();
        Assert.True(ex.Wait(Bound).IsOk);
        Assert.True(sh3.IsWaiting);
        ex.Dq();
        Assert.True(sh3.Wait(Bound).IsOk); // the cached EX serves SH
        Assert.Equal(LockState.Exclusive, gl.State);
    }

    [Fact]
    public void Try_lock_fails_at_once_against_an_incompatible_holder_and_is_not_queued()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        Assert.True(new GlockHolder(gl, LockState.Exclusive, owner: O1).Nq().IsOk);
        var t = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.Try, O2);
        Assert.True(t.Nq().IsTryFailed);
        Assert.False(t.IsQueued);
        Assert.Equal(GlockResult.TryFailed, t.Error);
        Assert.True(t.Error.Errno.IsOk); // GLR_TRYFAILED is not an errno
    }

    [Fact]
    public void Try_lock_behind_a_non_try_waiter_fails_even_when_compatible_with_the_holder()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        Assert.True(new GlockHolder(gl, LockState.Shared, owner: O1).Nq().IsOk);
        var ex = new GlockHolder(gl, LockState.Exclusive, GlockHolderFlags.Async, O2);
        ex.Nq();
        var t = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.TryOneCallback, O3);
        Assert.True(t.Nq().IsTryFailed);
        Assert.True(ex.IsWaiting);
    }

    [Fact]
    public void Try_lock_compatible_with_the_holder_and_no_waiters_is_granted()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        Assert.True(new GlockHolder(gl, LockState.Shared, owner: O1).Nq().IsOk);
        var t = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.Try, O2);
        Assert.True(t.Nq().IsOk);
        Assert.True(t.IsHolder);
    }

    [Fact]
    public void Cached_state_survives_the_last_holder_and_serves_the_next_without_the_lock_manager()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var h = new GlockHolder(gl, LockState.Exclusive, owner: O1);
        Assert.True(h.Nq().IsOk);
        h.Dq();
        Assert.Equal(LockState.Exclusive, gl.State);
        long requests = gl.Statistics.LockManagerRequests;
        Assert.True(h.Nq().IsOk);
        h.Dq();
        Assert.Equal(requests, gl.Statistics.LockManagerRequests);
        Assert.Equal(2, gl.Statistics.Grants);
    }

    [Fact]
    public void Cached_EX_serves_SH_and_DF_but_not_an_EXACT_SH_request()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var h = new GlockHolder(gl, LockState.Exclusive, owner: O1);
        Assert.True(h.Nq().IsOk);
        h.Dq();
        long requests = gl.Statistics.LockManagerRequests;

        h.Reinit(LockState.Deferred, GlockHolderFlags.None, O1);
        Assert.True(h.Nq().IsOk);
        h.Dq();
        h.Reinit(LockState.Shared, GlockHolderFlags.None, O1);
        Assert.True(h.Nq().IsOk);
        h.Dq();
        Assert.Equal(requests, gl.Statistics.LockManagerRequests);
        Assert.Equal(LockState.Exclusive, gl.State);

        h.Reinit(LockState.Shared, GlockHolderFlags.Exact, O1);
        Assert.True(h.Nq().IsOk);
        Assert.Equal(LockState.Shared, gl.State);
        Assert.True(gl.Statistics.LockManagerRequests > requests);
    }

    [Fact]
    public void ANY_request_is_served_by_a_cached_DF_while_a_plain_SH_request_needs_a_conversion()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var h = new GlockHolder(gl, LockState.Deferred, owner: O1);
        Assert.True(h.Nq().IsOk);
        h.Dq();
        long requests = gl.Statistics.LockManagerRequests;

        h.Reinit(LockState.Shared, GlockHolderFlags.Any, O1);
        Assert.True(h.Nq().IsOk);
        h.Dq();
        Assert.Equal(requests, gl.Statistics.LockManagerRequests);
        Assert.Equal(LockState.Deferred, gl.State);

        h.Reinit(LockState.Shared, GlockHolderFlags.None, O1);
        Assert.True(h.Nq().IsOk);
        Assert.Equal(LockState.Shared, gl.State);
        Assert.True(gl.Statistics.LockManagerRequests > requests);
    }

    [Fact]
    public void NOCACHE_release_demotes_the_glock_to_UN()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var h = new GlockHolder(gl, LockState.Exclusive, GlockHolderFlags.NoCache, O1);
        Assert.True(h.Nq().IsOk);
        h.Dq();
        node.Quiesce();
        Assert.Equal(LockState.Unlocked, gl.State);
        Assert.Equal(1, gl.Statistics.Demotes);
    }

    [Fact]
    public void NOBLOCK_is_granted_when_grantable_now_and_fails_with_ECHILD_instead_of_waiting()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var sh = new GlockHolder(gl, LockState.Shared, owner: O1);
        Assert.True(sh.Nq().IsOk);

        var nb = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.NoBlock, O2);
        Assert.True(nb.Nq().IsOk);
        nb.Dq();

        var nbEx = new GlockHolder(gl, LockState.Exclusive, GlockHolderFlags.NoBlock, O2);
        Assert.Equal(Errno.ECHILD, nbEx.Nq().Errno);
        Assert.False(nbEx.IsQueued);

        var ex = new GlockHolder(gl, LockState.Exclusive, GlockHolderFlags.Async, O3);
        ex.Nq();
        Assert.Equal(Errno.ECHILD, nb.Nq().Errno); // a waiter exists: never jump it
    }

    [Fact]
    public void NOBLOCK_on_an_uncached_glock_fails_with_ECHILD_without_asking_the_lock_manager()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var nb = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.NoBlock, O1);
        Assert.Equal(Errno.ECHILD, nb.Nq().Errno);
        Assert.Equal(0, gl.Statistics.LockManagerRequests);
    }

    [Fact]
    public void ASYNC_enqueue_returns_at_once_and_the_grant_is_waited_for_later()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var ex = new GlockHolder(gl, LockState.Exclusive, owner: O1);
        Assert.True(ex.Nq().IsOk);
        long waitsBefore = gl.Statistics.Waits;
        var a = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.Async, O2);
        Assert.True(a.Nq().IsOk);
        Assert.True(a.IsQueued);
        Assert.True(a.IsWaiting);
        Assert.Equal(Errno.ETIMEDOUT, a.Wait(TimeSpan.Zero).Errno);
        ex.Dq();
        Assert.True(a.Wait(Bound).IsOk);
        Assert.True(a.IsHolder);
        Assert.Equal(waitsBefore + 1, gl.Statistics.Waits);
    }

    [Fact]
    public void ASYNC_try_failure_is_reported_by_Wait_not_by_Nq()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        Assert.True(new GlockHolder(gl, LockState.Exclusive, owner: O1).Nq().IsOk);
        var a = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.Async | GlockHolderFlags.Try, O2);
        Assert.True(a.Nq().IsOk);
        Assert.True(a.Wait(Bound).IsTryFailed);
        a.Dq(); // no-op: no longer queued
        Assert.False(a.IsQueued);
    }

    [Fact]
    public void A_plain_SH_request_does_not_join_an_ANY_holder_that_got_SH_on_a_DF_glock()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var df = new GlockHolder(gl, LockState.Deferred, owner: O1);
        Assert.True(df.Nq().IsOk);
        df.Dq();
        var any = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.Any, O1);
        Assert.True(any.Nq().IsOk);
        Assert.Equal(LockState.Deferred, gl.State);

        var plain = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.Try, O2);
        Assert.True(plain.Nq().IsTryFailed); // SH data caching is not allowed under DF
        var alsoAny = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.Any, O3);
        Assert.True(alsoAny.Nq().IsOk);
    }

    [Fact]
    public void Withdraw_fails_local_waiters_with_EIO_and_later_requests_except_NOEXP()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var held = new GlockHolder(gl, LockState.Exclusive, owner: O1);
        Assert.True(held.Nq().IsOk);
        var waiter = new GlockHolder(gl, LockState.Exclusive, GlockHolderFlags.Async, O2);
        waiter.Nq();

        node.Table.Withdraw("lease lost");
        Assert.Equal(Errno.EIO, waiter.Wait(Bound).Errno);
        Assert.False(waiter.IsQueued);
        Assert.Equal(Errno.EIO, new GlockHolder(gl, LockState.Shared, owner: O3).Nq().Errno);
        Assert.Equal("lease lost", node.Table.WithdrawReason);
        held.Dq();
        Assert.True(new GlockHolder(gl, LockState.Shared, GlockHolderFlags.NoExpire, O3).Nq().IsOk);
    }

    [Fact]
    public void Enqueuing_twice_is_a_bug_reported_as_an_exception()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(1, NondiskGlockOperations.Instance);
        var h = new GlockHolder(gl, LockState.Shared, owner: O1);
        Assert.True(h.Nq().IsOk);
        Assert.Throws<InvalidOperationException>(() => h.Nq());
    }
}
