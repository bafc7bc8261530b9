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
}
