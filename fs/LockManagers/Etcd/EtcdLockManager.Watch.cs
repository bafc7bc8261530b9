using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers.Etcd;

public sealed partial class EtcdLockManager
{
    /// <summary>What applying a batch of watch events asks for, carried out once the manager's lock is released.</summary>
    private sealed class WatchEffects
    {
        public List<(LockName Name, LockState Wanted)> Blocking { get; } = [];

        public HashSet<EtcdPendingRequest> Wake { get; } = [];

        public bool MemberGone { get; set; }
    }

    /// <summary>Watch callback (the watch's task, one batch at a time): updates the view, wakes requests, sends blocking callbacks.</summary>
    private void OnWatchEvents(IReadOnlyList<EtcdEvent> events, long headerRevision)
    {
        var effects = new WatchEffects();
        List<ulong>? plocksChanged = null;
        lock (_lock)
        {
            foreach (var ev in events)
            {
                ApplyLocked(ev, effects);
                _viewRevision = Math.Max(_viewRevision, ev.Kv.ModRevision);
                if (_keys!.TryParsePlockInode(ev.Kv.Key, out ulong inode)) (plocksChanged ??= []).Add(inode);
            }
        }
        foreach (ulong inode in plocksChanged ?? []) _plocks.OnChanged(inode); // blocked F_SETLKW requests look again
        foreach (var r in effects.Wake) r.Changed.Set();
        if (IsWithdrawn) return;
        foreach (var (name, wanted) in effects.Blocking) _callbacks!.Blocking(name, wanted);
        if (effects.MemberGone) RequestRecoveryScan();
    }

    private void OnWatchEnded(EtcdResult<bool> result)
    {
        if (_shutdown.IsCancellationRequested) return;
        Withdraw($"lost the watch on lock space {_keys!.Root}: {result.Message}");
    }

    /// <summary>
    /// Applies one event to the view. Blocking callbacks are decided per event, not per batch, so a
    /// TryOneCallback waiter that came and went within one batch still reaches the holder.
    /// </summary>
    private void ApplyLocked(EtcdEvent ev, WatchEffects? effects)
    {
        var keys = _keys!;
        string key = ev.Kv.Key;
        if (key.StartsWith(keys.MembersPrefix, StringComparison.Ordinal))
        {
            string node = key[keys.MembersPrefix.Length..];
            if (ev.IsDelete)
            {
                if (_members.Remove(node) && effects != null && node != NodeId) effects.MemberGone = true;
            }
            else
            {
                _members.Add(node);
            }
            return;
        }
        if (!keys.TryParseLockKey(key, out var name, out char kind, out string owner)) return;
        if (!_views.TryGetValue(name, out var view)) _views[name] = view = new EtcdLockView();
        view.Apply(kind, owner, ev.IsDelete, ev.Kv);
        if (_ownWrites.TryGetValue(name, out var own) && own.Revision <= ev.Kv.ModRevision) _ownWrites.Remove(name);
        if (effects != null)
        {
            CollectBlockingLocked(name, view, effects);
            if (_pending.TryGetValue(name, out var r)) effects.Wake.Add(r);
        }
        if (view.IsEmpty && !_pending.ContainsKey(name)) _views.Remove(name);
    }

    /// <summary>
    /// A blocking callback for every waiter of another node that wants a state incompatible with what this node
    /// holds, once per (waiter, held state).
    /// </summary>
    private void CollectBlockingLocked(LockName name, EtcdLockView view, WatchEffects effects)
    {
        var held = view.HeldBy(NodeId);
        if (held == LockState.Unlocked)
        {
            view.CallbacksSent.Clear();
            return;
        }
        foreach (var (node, w) in view.Waiters)
        {
            if (node == NodeId || !w.WantsCallback || EtcdLockRules.Compatible(held, w.Wanted)) continue;
            if (view.CallbacksSent.Add((w.Revision, held))) effects.Blocking.Add((name, w.Wanted));
        }
    }
}
