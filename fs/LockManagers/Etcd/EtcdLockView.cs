namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// One lock's holders and waiters as this node's watch has seen them (consistent as of the view revision),
/// plus which blocking callbacks this node already delivered for it. Guarded by the manager's lock.
/// </summary>
internal sealed class EtcdLockView
{
    public Dictionary<string, LockState> Holders { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, EtcdWaiter> Waiters { get; } = new(StringComparer.Ordinal);

    /// <summary>(waiter revision, state this node held) pairs already reported through Blocking, so each is sent once.</summary>
    public HashSet<(long Revision, LockState Held)> CallbacksSent { get; } = [];

    public bool IsEmpty => Holders.Count == 0 && Waiters.Count == 0;

    public LockState HeldBy(string node) => Holders.TryGetValue(node, out var s) ? s : LockState.Unlocked;

    /// <summary>Applies a put or delete of <paramref name="owner"/>'s holder ('h') or waiter ('w') key.</summary>
    public void Apply(char kind, string owner, bool isDelete, EtcdKeyValue kv)
    {
        if (kind == 'h')
        {
            if (isDelete || !byte.TryParse(kv.Value, out byte s) || s == 0 || s > 3) Holders.Remove(owner);
            else Holders[owner] = (LockState)s;
        }
        else if (kind == 'w')
        {
            if (!isDelete && EtcdWaiter.TryDecode(kv.Value, kv.CreateRevision, out var w)) Waiters[owner] = w;
            else Waiters.Remove(owner);
        }
    }
}
