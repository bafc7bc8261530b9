namespace ClusterFs.Fs.LockManagers.Etcd;

public sealed partial class EtcdLockManager
{
    /// <summary>How a queued request stands against the view.</summary>
    private enum Verdict
    {
        Waiting,
        Grantable,
        DeadlockVictim,
    }

    /// <summary>Serves one request to the end; every path ends in exactly one Completed callback.</summary>
    private async Task RunRequestAsync(EtcdPendingRequest r)
    {
        try
        {
            await ServeAsync(r).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            Complete(r, r.Current, LockStatus.Error); // unmount or withdrawal: the node left
        }
        catch (Exception e)
        {
            // A bug, not an etcd failure (those are results): never let it escape a background task.
            Withdraw($"lock {r.Name}: internal error: {e}");
            Complete(r, r.Current, LockStatus.Error);
        }
    }

    private async Task ServeAsync(EtcdPendingRequest r)
    {
        var keys = _keys!;
        string holderKey = keys.Holder(r.Name, NodeId);
        string waiterKey = keys.Waiter(r.Name, NodeId);
        string lockPrefix = keys.LockPrefix(r.Name), lockEnd = EtcdClient.PrefixEnd(lockPrefix);
        if (r.Requested == LockState.Unlocked)
        {
            // The read-back of the lock's remaining keys lets the next request here decide before the watch catches up.
            var released = await _client.TxnAsync([], [EtcdOp.Delete(holderKey), EtcdOp.Delete(waiterKey), EtcdOp.Range(lockPrefix, lockEnd)],
                ct: _shutdown.Token).ConfigureAwait(false);
            if (!await SucceedsAsync(r, Task.FromResult(released))) return;
            // Only a write that removed a key comes back as an event (the revision of a no-op is the store's).
            if (released.Value!.Deleted > 0) NoteOwnWrite(r.Name, released.Value.Revision, Snapshot(released.Value.Read));
            Complete(r, LockState.Unlocked, LockStatus.Granted);
            return;
        }
        if (r.Current == r.Requested || r.Current == LockState.Exclusive)
        {
            // Nothing to wait for: no other node can hold anything while this one holds EX.
            var put = await _client.PutAsync(holderKey, StateValue(r.Requested), LeaseId, _shutdown.Token).ConfigureAwait(false);
            if (!await SucceedsAsync(r, Task.FromResult(put))) return;
            NoteOwnWrite(r.Name, put.Value);
            Complete(r, r.Requested, LockStatus.Granted);
            return;
        }
        await CatchUpWithOwnWritesAsync(r).ConfigureAwait(false);

        // Uncontended fast path: when the view shows nothing in the way, grant in one txn that checks nothing about
        // the lock changed since; otherwise the same round trip queues the request. Reading the waiter key back
        // gives its create revision, the queue position (robust even against a stale waiter key of this node).
        LockState fast = r.Current;
        long fastSeen;
        bool tryFast;
        lock (_lock)
        {
            // Our own release may be newer than the view: then its read-back is the lock's state at that revision.
            var view = _views.GetValueOrDefault(r.Name) ?? s_emptyView;
            fastSeen = _viewRevision;
            if (_ownWrites.TryGetValue(r.Name, out var own) && own.Revision > fastSeen && own.Snapshot != null)
                (view, fastSeen) = (own.Snapshot, own.Revision);
            tryFast = DecideLocked(r, view, long.MaxValue) == Verdict.Grantable;
            if (tryFast) fast = GrantState(r, view, long.MaxValue);
        }
        var queue = new[] { EtcdOp.Put(waiterKey, EtcdWaiter.Encode(r.Requested, r.Flags), LeaseId), EtcdOp.Range(waiterKey) };
        var queued = tryFast
            ? await _client.TxnAsync([EtcdCompare.UnchangedSince(lockPrefix, lockEnd, fastSeen)],
                [EtcdOp.Put(holderKey, StateValue(fast), LeaseId)], queue, _shutdown.Token).ConfigureAwait(false)
            : await _client.TxnAsync([], queue, ct: _shutdown.Token).ConfigureAwait(false);
        if (!await SucceedsAsync(r, Task.FromResult(queued))) return;
        if (tryFast && queued.Value!.Succeeded)
        {
            NoteOwnWrite(r.Name, queued.Value.Revision);
            Interlocked.Increment(ref _fastGrants);
            Complete(r, fast, LockStatus.Granted);
            return;
        }
        r.WaiterRevision = queued.Value!.Read.Count == 1 ? queued.Value.Read[0].CreateRevision : queued.Value.Revision;
        bool isTry = (r.Flags & (LockRequestFlags.Try | LockRequestFlags.TryOneCallback)) != 0;
        while (true)
        {
            Verdict verdict;
            LockState grant = r.Current;
            long seen;
            lock (_lock)
            {
                seen = _viewRevision;
                var view = _views.GetValueOrDefault(r.Name) ?? s_emptyView;
                verdict = seen < r.WaiterRevision ? Verdict.Waiting : DecideLocked(r, view, r.WaiterRevision);
                if (verdict == Verdict.Grantable) grant = GrantState(r, view, r.WaiterRevision);
            }
            if (r.CancelRequested && verdict != Verdict.Grantable)
            {
                await DequeueAsync(r, waiterKey, LockStatus.Canceled).ConfigureAwait(false);
                return;
            }
            if (verdict == Verdict.Grantable)
            {
                // Granted only if no holder changed since the view was taken (a changed one is in an event still to
                // come). The queue order already rules out two concurrent grants (holder keys only appear in the
                // same txn that removes an earlier waiter); this compare keeps a stale view from ever granting.
                var granted = await _client.TxnAsync(
                    [EtcdCompare.UnchangedSince(keys.HoldersPrefix(r.Name), EtcdClient.PrefixEnd(keys.HoldersPrefix(r.Name)), seen),
                     EtcdCompare.CreateRevision(waiterKey, r.WaiterRevision)],
                    [EtcdOp.Put(holderKey, StateValue(grant), LeaseId), EtcdOp.Delete(waiterKey)], ct: _shutdown.Token).ConfigureAwait(false);
                if (!await SucceedsAsync(r, Task.FromResult(granted))) return;
                if (granted.Value!.Succeeded)
                {
                    NoteOwnWrite(r.Name, granted.Value.Revision);
                    Complete(r, grant, LockStatus.Granted);
                    return;
                }
            }
            else if (verdict == Verdict.DeadlockVictim)
            {
                // A try request (the glock layer sends every conversion out of SH/DF as one) simply fails, as
                // docs/locking.md asks; only a queueing request gets the "granted unchanged" deadlock reply.
                await DequeueAsync(r, waiterKey, isTry ? LockStatus.TryFailed : LockStatus.Granted).ConfigureAwait(false);
                return;
            }
            else if (isTry && seen >= r.WaiterRevision)
            {
                await DequeueAsync(r, waiterKey, LockStatus.TryFailed).ConfigureAwait(false);
                return;
            }
            await r.Changed.WaitAsync(_shutdown.Token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Grantable when the wanted state (or, with Any, its alternate) is compatible with every other node's held
    /// state and with the wanted state of every waiter queued before <paramref name="position"/> (strict FIFO
    /// among incompatible requests; long.MaxValue for a request not queued yet, which comes after every waiter).
    /// </summary>
    private Verdict DecideLocked(EtcdPendingRequest r, EtcdLockView view, long position)
    {
        foreach (var (node, w) in view.Waiters)
        {
            // Try requests never wait, so they cannot be part of a deadlock.
            if (node != NodeId && !w.IsTry && w.Revision < position && !EtcdLockRules.Compatible(r.Current, w.Wanted))
                return Verdict.DeadlockVictim;
        }
        return CanGrantLocked(view, r.Requested, position)
            || (r.Flags.HasFlag(LockRequestFlags.Any) && EtcdLockRules.Alternate(r.Requested) is { } alt && CanGrantLocked(view, alt, position))
            ? Verdict.Grantable : Verdict.Waiting;
    }

    private static readonly EtcdLockView s_emptyView = new();

    private LockState GrantState(EtcdPendingRequest r, EtcdLockView view, long position) =>
        CanGrantLocked(view, r.Requested, position) ? r.Requested : EtcdLockRules.Alternate(r.Requested)!.Value;

    private bool CanGrantLocked(EtcdLockView view, LockState state, long position)
    {
        foreach (var (node, held) in view.Holders)
        {
            if (node != NodeId && !EtcdLockRules.Compatible(held, state)) return false;
        }
        foreach (var (node, w) in view.Waiters)
        {
            if (node != NodeId && w.Revision < position && !EtcdLockRules.Compatible(w.Wanted, state)) return false;
        }
        return true;
    }

    /// <summary>Removes this request's waiter key (unless etcd already did) and completes it in its current state.</summary>
    private async Task DequeueAsync(EtcdPendingRequest r, string waiterKey, LockStatus status)
    {
        var removed = await _client.TxnAsync([EtcdCompare.CreateRevision(waiterKey, r.WaiterRevision)], [EtcdOp.Delete(waiterKey)], ct: _shutdown.Token)
            .ConfigureAwait(false);
        if (!await SucceedsAsync(r, Task.FromResult(removed))) return;
        if (removed.Value!.Deleted > 0) NoteOwnWrite(r.Name, removed.Value.Revision);
        Complete(r, r.Current, status);
    }

    /// <summary>This node's latest write to a lock, and (for releases) the lock's keys right after it.</summary>
    private sealed record OwnWrite(long Revision, EtcdLockView? Snapshot);

    /// <summary>
    /// Remembers this node's latest write to a lock, so the next request on it can use <paramref name="snapshot"/>
    /// or else wait for the view to show the write.
    /// </summary>
    private void NoteOwnWrite(LockName name, long revision, EtcdLockView? snapshot = null)
    {
        lock (_lock)
        {
            if (revision > _viewRevision && revision > (_ownWrites.GetValueOrDefault(name)?.Revision ?? 0))
                _ownWrites[name] = new OwnWrite(revision, snapshot);
        }
    }

    /// <summary>The holders and waiters among <paramref name="kvs"/> (one lock's keys, read at one revision).</summary>
    private EtcdLockView Snapshot(IReadOnlyList<EtcdKeyValue> kvs)
    {
        var view = new EtcdLockView();
        foreach (var kv in kvs)
        {
            if (_keys!.TryParseLockKey(kv.Key, out _, out char kind, out string owner)) view.Apply(kind, owner, false, kv);
        }
        return view;
    }

    /// <summary>
    /// Waits until the view includes this node's own last write to the lock (its watch event comes back within
    /// moments), unless that write left a snapshot to decide on; otherwise the fast path's "unchanged since"
    /// compare would fail on our own write and cost an extra round trip.
    /// </summary>
    private async Task CatchUpWithOwnWritesAsync(EtcdPendingRequest r)
    {
        while (true)
        {
            lock (_lock)
            {
                if (!_ownWrites.TryGetValue(r.Name, out var own) || own.Snapshot != null) return;
                if (_viewRevision >= own.Revision)
                {
                    _ownWrites.Remove(r.Name);
                    return;
                }
            }
            await r.Changed.WaitAsync(_shutdown.Token).ConfigureAwait(false);
        }
    }

    /// <summary>True when the etcd call succeeded; otherwise withdraws the node (the write's outcome is unknown) and fails the request.</summary>
    private async Task<bool> SucceedsAsync<T>(EtcdPendingRequest r, Task<EtcdResult<T>> call)
    {
        var result = await call.ConfigureAwait(false);
        if (result.IsOk) return true;
        if (result.Error == Iov.Errno.ECANCELED && _shutdown.IsCancellationRequested)
        {
            Complete(r, r.Current, LockStatus.Error); // unmount or withdrawal: the node left
            return false;
        }
        Withdraw($"lock {r.Name}: {result.Message}");
        Complete(r, r.Current, LockStatus.Error);
        return false;
    }

    private static string StateValue(LockState s) => ((byte)s).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
