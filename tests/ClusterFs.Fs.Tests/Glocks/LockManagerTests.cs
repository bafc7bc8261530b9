using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>Mount rules and bad input of lock_nolock and lock_inproc.</summary>
public class LockManagerTests
{
    private sealed class NullCallbacks : ILockManagerCallbacks
    {
        public void Completed(LockName name, LockState state, LockStatus status) { }
        public void Blocking(LockName name, LockState wanted) { }
        public void RecoverJournal(int journalId) { }
        public void Withdraw(string reason) { }
    }

    [Theory]
    [InlineData("other:fs", 4, 0)]      // another filesystem's lock table
    [InlineData("test", 4, 0)]          // malformed
    [InlineData("test:fs:x", 4, 0)]
    [InlineData("test:fs", 3, 0)]       // journal count differs from the space's
    [InlineData("test:fs", 4, 4)]       // journal id out of range
    [InlineData("test:fs", 4, -2)]
    public void InProcess_mount_with_bad_table_or_journal_is_refused_with_EINVAL(string table, int journals, int jid)
    {
        var space = new InProcessLockSpace("test:fs", 4);
        using var lm = space.CreateManager();
        Assert.Equal(Errno.EINVAL, lm.Mount(table, journals, jid, new NullCallbacks(), out int got));
        Assert.Equal(-1, got);
        Assert.Empty(space.LiveJournals);
    }

    [Fact]
    public void InProcess_mount_of_a_taken_journal_is_refused_with_EBUSY_and_minus_one_picks_a_free_one()
    {
        var space = new InProcessLockSpace("test:fs", 2);
        using var a = space.CreateManager();
        using var b = space.CreateManager();
        using var c = space.CreateManager();
        Assert.Equal(Errno.OK, a.Mount("test:fs", 2, 0, new NullCallbacks(), out _));
        Assert.Equal(Errno.EBUSY, b.Mount("test:fs", 2, 0, new NullCallbacks(), out _));
        Assert.Equal(Errno.OK, b.Mount("test:fs", 2, -1, new NullCallbacks(), out int jb));
        Assert.Equal(1, jb);
        Assert.Equal(Errno.EBUSY, c.Mount("test:fs", 2, -1, new NullCallbacks(), out _));
        Assert.Equal(Errno.EBUSY, a.Mount("test:fs", 2, 1, new NullCallbacks(), out _)); // already mounted
    }

    [Fact]
    public void A_dead_nodes_journal_cannot_be_mounted_until_recovery_is_done()
    {
        var space = new InProcessLockSpace("test:fs", 2);
        using var a = space.CreateManager();
        using var b = space.CreateManager();
        Assert.Equal(Errno.OK, a.Mount("test:fs", 2, 0, new NullCallbacks(), out _));
        Assert.Equal(Errno.OK, b.Mount("test:fs", 2, 1, new NullCallbacks(), out _));
        Assert.True(space.KillNode(1));
        Assert.False(space.KillNode(1));
        using var late = space.CreateManager();
        Assert.Equal(Errno.EBUSY, late.Mount("test:fs", 2, 1, new NullCallbacks(), out _));
        a.RecoveryDone(1);
        Assert.Equal(Errno.OK, late.Mount("test:fs", 2, 1, new NullCallbacks(), out _));
    }

    [Fact]
    public void Unmount_releases_every_lock_the_node_held()
    {
        using var cluster = new GlockCluster(2);
        var a = cluster.Nodes[0].Get(3, RgrpGlockOperations.Instance);
        var h = new GlockHolder(a, LockState.Exclusive, owner: new GlockOwner(1));
        Assert.True(h.Nq().IsOk);
        h.Dq();
        Assert.Single(cluster.Space.GrantedStates(a.Name));
        cluster.Nodes[0].Unmount();
        Assert.Empty(cluster.Space.GrantedStates(a.Name));
        Assert.Equal([1], cluster.Space.LiveJournals);
    }

    [Fact]
    public void Nolock_grants_at_once_and_assigns_the_requested_journal()
    {
        using var lm = new NoLockManager();
        Assert.Equal("lock_nolock", lm.Protocol);
        Assert.Equal(Errno.EINVAL, lm.Mount("nocolon", 1, 0, new NullCallbacks(), out _));
        Assert.Equal(Errno.EINVAL, lm.Mount("a:b", 2, 2, new NullCallbacks(), out _));
        Assert.Equal(Errno.OK, lm.Mount("a:b", 2, 1, new NullCallbacks(), out int jid));
        Assert.Equal(1, jid);
        using var table = new GlockTable(new NoLockManager());
        Assert.Equal(Errno.OK, table.Mount("a:b", 1));
        var gl = table.Get(1, InodeGlockOperations.Instance);
        Assert.True(new GlockHolder(gl, LockState.Exclusive, owner: new GlockOwner(1)).Nq().IsOk);
        Assert.Equal(1, gl.Statistics.LockManagerRequests);
    }

    [Fact]
    public void Glock_statistics_and_dump_show_states_flags_and_holders()
    {
        using var cluster = new GlockCluster(2);
        var a = cluster.Nodes[0].Get(0x1234, InodeGlockOperations.Instance);
        var held = new GlockHolder(a, LockState.Exclusive, owner: new GlockOwner(77));
        Assert.True(held.Nq().IsOk);
        var waiter = new GlockHolder(a, LockState.Shared, GlockHolderFlags.Async | GlockHolderFlags.Any, new GlockOwner(78));
        waiter.Nq();

        var dump = cluster.Nodes[0].Dump();
        var lines = dump.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("G: s:EX n:2/1234 f:", lines[0]);
        Assert.Contains(" t:EX d:EX/0 ", lines[0]);
        Assert.Contains(" o:inode", lines[0]);
        Assert.StartsWith(" S: grants:1 queued:2 waits:1 ", lines[1]);
        Assert.Contains(" lm:1 ", lines[1]);
        Assert.StartsWith(" H: s:EX f:H e:0 o:77 [Glock_statistics_and_dump_show_states_flags_and_holders:", lines[2]);
        Assert.StartsWith(" H: s:SH f:AaW e:0 o:78 [", lines[3]);

        held.Dq();
        Assert.True(waiter.Wait(GlockCluster.Bound).IsOk);
        var stats = a.Statistics;
        Assert.Equal(2, stats.Grants);
        Assert.Equal(2, stats.Waits);
        Assert.Equal(1, stats.LockManagerRequests);
        Assert.True(stats.LockManagerLatencyMax <= stats.LockManagerLatency);
    }
}
