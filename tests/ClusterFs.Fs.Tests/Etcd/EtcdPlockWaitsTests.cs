using ClusterFs.Fs.LockManagers.Etcd;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>The etcd wait-for graph's cycle test over one snapshot: only edges whose blocker still holds what it held count.</summary>
public sealed class EtcdPlockWaitsTests
{
    private const ulong Inode = 0x77;
    private readonly EtcdLockKeys _keys = new("test:waits");

    private EtcdKeyValue LockKey(int jid, ulong owner, long modRevision) => new(_keys.Plock(Inode, jid, owner), "W:0:0:1", 1, modRevision, 1, 0);

    private EtcdKeyValue Edge(int jid, ulong owner, long request, int blockerJid, ulong blockerOwner, long blockerRevision) =>
        new(_keys.PlockWait(jid, owner, request), EtcdPlockWaits.Encode(Inode, blockerJid, blockerOwner, blockerRevision), 1, 1, 1, 0);

    [Fact]
    public void Two_waiters_blocked_on_each_others_current_locks_close_a_cycle()
    {
        // a/1 (jid 0) holds byte 0 (key at rev 10) and waits for b/1 (jid 1, key at rev 11); b/1 asks for byte 0.
        var kvs = new[] { LockKey(0, 1, 10), LockKey(1, 1, 11), Edge(0, 1, 1, 1, 1, 11), Edge(1, 1, 2, 0, 1, 10) };
        Assert.True(EtcdPlockWaits.ClosesCycle(_keys, kvs, _keys.PlockWait(1, 1, 2), (1, 1), (0, 1)));
    }

    [Fact]
    public void An_edge_whose_blocker_changed_its_locks_since_does_not_count()
    {
        // a/1's edge was read when b/1's key had rev 11; b/1 has since rewritten it (rev 15): a/1 is about to be woken.
        var kvs = new[] { LockKey(0, 1, 10), LockKey(1, 1, 15), Edge(0, 1, 1, 1, 1, 11), Edge(1, 1, 2, 0, 1, 10) };
        Assert.False(EtcdPlockWaits.ClosesCycle(_keys, kvs, _keys.PlockWait(1, 1, 2), (1, 1), (0, 1)));
        // The same when the blocker's key is gone altogether.
        var gone = new[] { LockKey(0, 1, 10), Edge(0, 1, 1, 1, 1, 11), Edge(1, 1, 2, 0, 1, 10) };
        Assert.False(EtcdPlockWaits.ClosesCycle(_keys, gone, _keys.PlockWait(1, 1, 2), (1, 1), (0, 1)));
    }

    [Fact]
    public void A_requester_whose_own_edge_is_stale_is_not_told_it_deadlocks()
    {
        // b/1's own edge names a/1's key at rev 9, but a/1 rewrote it (rev 10): b/1 must read again instead.
        var kvs = new[] { LockKey(0, 1, 10), LockKey(1, 1, 11), Edge(0, 1, 1, 1, 1, 11), Edge(1, 1, 2, 0, 1, 9) };
        Assert.False(EtcdPlockWaits.ClosesCycle(_keys, kvs, _keys.PlockWait(1, 1, 2), (1, 1), (0, 1)));
    }

    [Fact]
    public void A_chain_through_a_third_owner_is_followed_and_a_chain_without_a_way_back_is_not_a_cycle()
    {
        // b/1 waits for a/1, a/1 waits for c/1 (jid 2), c/1 waits for b/1: a cycle of three.
        var cycle = new[]
        {
            LockKey(0, 1, 10), LockKey(1, 1, 11), LockKey(2, 1, 12),
            Edge(0, 1, 1, 2, 1, 12), Edge(2, 1, 3, 1, 1, 11), Edge(1, 1, 2, 0, 1, 10),
        };
        Assert.True(EtcdPlockWaits.ClosesCycle(_keys, cycle, _keys.PlockWait(1, 1, 2), (1, 1), (0, 1)));
        // Without c/1's edge the chain ends at c/1.
        var chain = cycle.Where(kv => kv.Key != _keys.PlockWait(2, 1, 3)).ToArray();
        Assert.False(EtcdPlockWaits.ClosesCycle(_keys, chain, _keys.PlockWait(1, 1, 2), (1, 1), (0, 1)));
    }
}
