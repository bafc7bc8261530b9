using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>The per-type hooks: called in gfs2's order with the right states; failures handled as gfs2 does.</summary>
public class GlockOperationsTests
{
    private static readonly GlockOwner O1 = new(1), O2 = new(2);
    private const GlockOperationFlags All =
        GlockOperationFlags.Sync | GlockOperationFlags.Invalidate | GlockOperationFlags.Instantiate |
        GlockOperationFlags.Held | GlockOperationFlags.Callback;

    [Fact]
    public void Hooks_run_in_order_instantiate_once_held_every_grant_sync_every_change_invalidate_only_to_UN_or_DF()
    {
        using var node = new SingleNode();
        var ops = new RecordingGlockOperations(All);
        var gl = node.Table.Get(1, ops);

        var h = new GlockHolder(gl, LockState.Exclusive, owner: O1);
        Assert.True(h.Nq().IsOk);
        h.Dq();
        h.Reinit(LockState.Shared, GlockHolderFlags.Exact, O1);   // EX -> SH: sync only
        Assert.True(h.Nq().IsOk);
        h.Dq();
        h.Reinit(LockState.Deferred, GlockHolderFlags.None, O1);  // SH -> DF: drops cached data, keeps metadata
        Assert.True(h.Nq().IsOk);
        h.Dq();
        h.Reinit(LockState.Shared, GlockHolderFlags.Skip, O1);    // DF -> SH, SKIP: no held
        Assert.True(h.Nq().IsOk);
        h.Dq();

        Assert.Equal(
            [
                "sync UN->EX", "instantiate EX", "held EX",
                "sync EX->SH", "held SH",
                "sync SH->DF", "inval SH->DF", "held DF",
                "sync DF->SH",
            ],
            ops.Events);
    }

    [Fact]
    public void Inode_operations_write_back_and_drop_caches_of_the_attached_target()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(9, InodeGlockOperations.Instance);
        var target = new RecordingGlockTarget();
        gl.Target = target;
        var h = new GlockHolder(gl, LockState.Exclusive, GlockHolderFlags.NoCache, O1);
        Assert.True(h.Nq().IsOk);
        h.Dq();
        node.Quiesce();
        Assert.Equal(["sync UN->EX", "refresh", "held EX", "sync EX->UN", "inval meta"], target.Events);
        Assert.Equal(LockState.Unlocked, gl.State);
    }

    [Fact]
    public void A_failed_sync_withdraws_without_invalidating_or_releasing_and_later_requests_get_EIO()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(9, InodeGlockOperations.Instance);
        var target = new RecordingGlockTarget();
        gl.Target = target;
        var h = new GlockHolder(gl, LockState.Exclusive, GlockHolderFlags.NoCache, O1);
        Assert.True(h.Nq().IsOk);
        target.FailNextSync = Errno.EIO;
        h.Dq();
        node.Quiesce();

        Assert.True(node.Table.IsWithdrawn);
        Assert.Contains("sync", node.Table.WithdrawReason);
        Assert.DoesNotContain("inval meta", target.Events);
        Assert.Equal(LockState.Exclusive, gl.State); // never released to the lock manager
        Assert.Equal(Errno.EIO, new GlockHolder(gl, LockState.Shared, owner: O2).Nq().Errno);
    }

    [Fact]
    public void A_failed_instantiate_dequeues_the_holder_and_returns_the_error_and_is_retried_next_time()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(9, InodeGlockOperations.Instance);
        var target = new RecordingGlockTarget { FailRefresh = Errno.EUCLEAN };
        gl.Target = target;
        var h = new GlockHolder(gl, LockState.Shared, owner: O1);
        Assert.Equal(Errno.EUCLEAN, h.Nq().Errno);
        Assert.False(h.IsQueued);

        target.FailRefresh = Errno.OK;
        Assert.True(h.Nq().IsOk);
        Assert.Equal(2, target.Count("refresh"));
    }

    [Fact]
    public void Every_glock_type_has_its_gfs2_number_and_one_operations_singleton()
    {
        IGlockOperations[] all =
        [
            InodeGlockOperations.Instance, RgrpGlockOperations.Instance, MetaGlockOperations.Instance,
            IopenGlockOperations.Instance, FlockGlockOperations.Instance, NondiskGlockOperations.Instance,
            JournalGlockOperations.Instance,
        ];
        Assert.Equal([2u, 3u, 4u, 5u, 6u, 9u, 10u], all.Select(o => (uint)o.Type));
        Assert.Equal(all.Length, all.Select(o => o.Name).Distinct().Count());
        Assert.All(all, o => Assert.True(o.GetType().IsSealed));
        Assert.Equal(GlockOperationFlags.MinHoldTime, InodeGlockOperations.Instance.Flags & GlockOperationFlags.MinHoldTime);
        Assert.Equal(GlockOperationFlags.None, RgrpGlockOperations.Instance.Flags & GlockOperationFlags.MinHoldTime);
    }
}
