using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Glocks;

// The holder queue: gfs2's may_grant, do_promote, add_to_queue, do_error and run_queue.
public sealed partial class Glock
{
    private GlockHolder? FirstHolderLocked() => _holders.Count > 0 && _holders[0]._granted ? _holders[0] : null;

    private GlockHolder? FirstWaiterLocked()
    {
        foreach (var gh in _holders)
        {
            if (!gh._granted)
                return gh;
        }
        return null;
    }

    private static bool IsTry(GlockHolder gh) => (gh.Flags & (GlockHolderFlags.Try | GlockHolderFlags.TryOneCallback)) != 0;

    /// <summary>may_grant: can <paramref name="gh"/> be granted next to <paramref name="current"/> (the first holder, if any)?</summary>
    private bool MayGrantLocked(GlockHolder? current, GlockHolder gh)
    {
        if (current != null)
        {
            // A local EX holder excludes everyone (no NODE_SCOPE sharing); SH/DF share with the same state.
            // Deliberate deviation from gfs2: when the first holder got SH/DF through ANY, the glock is in
            // the other mode, and a same-state request without ANY must not ride on it (gfs2 would grant
            // a plain SH holder on a DF glock; the model test found this).
            return current.State != LockState.Exclusive && gh.State == current.State &&
                   (_state == gh.State || _state == LockState.Exclusive || (gh.Flags & GlockHolderFlags.Any) != 0);
        }
        if (_state == gh.State)
            return true;
        if ((gh.Flags & GlockHolderFlags.Exact) != 0)
            return false;
        if (_state == LockState.Exclusive)
            return gh.State is LockState.Shared or LockState.Deferred; // a cached EX serves SH and DF
        if ((gh.Flags & GlockHolderFlags.Any) != 0)
            return _state != LockState.Unlocked;
        return false;
    }

    /// <summary>
    /// do_promote: grant waiters in order, stopping at the first that cannot be granted (strict FIFO).
    /// Returns true when the head of the queue is a waiter that needs a state change.
    /// </summary>
    private bool DoPromoteLocked()
    {
        var current = FirstHolderLocked();
        bool woke = false;
        for (int i = 0; i < _holders.Count; i++)
        {
            var gh = _holders[i];
            if (gh._granted)
                continue;
            if (!MayGrantLocked(current, gh))
            {
                if (i == 0)
                    return true;
                DoErrorLocked(lockManagerError: false);
                break;
            }
            gh._granted = true;
            gh._waiting = false;
            woke = true;
            _counters.Grants++;
            if (gh._waitStartedAt != 0)
            {
                _counters.Waits++;
                _counters.WaitTicks += Table.Clock.NowTicks - gh._waitStartedAt;
                gh._waitStartedAt = 0;
            }
            current ??= gh;
        }
        if (woke)
            WakeLocked();
        return false;
    }

    /// <summary>do_error: fail waiting try locks (GLR_TRYFAILED) or, on a lock-manager error, every waiter (EIO).</summary>
    private void DoErrorLocked(bool lockManagerError)
    {
        bool woke = false;
        for (int i = 0; i < _holders.Count; i++)
        {
            var gh = _holders[i];
            if (gh._granted)
                continue;
            if (lockManagerError)
                gh.Error = GlockResult.FromErrno(Errno.EIO);
            else if (IsTry(gh))
                gh.Error = GlockResult.TryFailed;
            else
                continue;
            RemoveHolderLocked(gh);
            i--;
            woke = true;
        }
        if (woke)
            WakeLocked();
    }

    /// <summary>The recursion trap of add_to_queue: the same owner already holds or waits (flock glocks exempt).</summary>
    private bool TrapRecursionLocked(GlockHolder gh)
    {
        if ((_opsFlags & GlockOperationFlags.Recursive) != 0)
            return false;
        foreach (var gh2 in _holders)
        {
            if (gh2.Owner != gh.Owner)
                continue;
            if (gh2._granted && (gh2.Flags & GlockHolderFlags.NoPid) != 0)
                continue; // a granted NOPID holder's owner means nothing
            gh.Error = GlockResult.FromErrno(Errno.EDEADLK);
            gh.Diagnostic = RecursionReport(gh2, gh);
            return true;
        }
        return false;
    }

    private string RecursionReport(GlockHolder original, GlockHolder added) =>
        $"glock {Ops.Name} {Name}: recursive request (gfs2 would BUG()) - " +
        $"original: owner {original.Owner}, state {LockStateRules.ShortName(original.State)}, " +
        $"{(original._granted ? "holder" : "waiter")}, caller {original.Caller}:{original.CallerLine}; " +
        $"new: owner {added.Owner}, state {LockStateRules.ShortName(added.State)}, caller {added.Caller}:{added.CallerLine}";

    /// <summary>add_to_queue: trap recursion, fail futile try locks, else append. False if gh was not queued.</summary>
    private bool AddToQueueLocked(GlockHolder gh)
    {
        if (TrapRecursionLocked(gh))
            return false;
        if (IsTry(gh))
        {
            bool futile = (_flags & GlockFlags.Lock) != 0 && !MayGrantLocked(FirstHolderLocked(), gh);
            bool fail = (_flags & GlockFlags.InvalidateInProgress) != 0;
            if (futile && !fail)
            {
                foreach (var gh2 in _holders)
                {
                    if (!IsTry(gh2))
                    {
                        fail = true;
                        break;
                    }
                }
            }
            if (fail)
            {
                gh.Error = GlockResult.TryFailed;
                return false;
            }
        }
        _holders.Add(gh);
        gh._queued = true;
        gh._waiting = true;
        _flags |= GlockFlags.Queued;
        _counters.Queued++;
        return true;
    }

    /// <summary>
    /// request_demote (handle_callback): remember that the state must drop to <paramref name="state"/>,
    /// at once or after the hold time. Merging: a second, different non-UN target makes it UN.
    /// Returns whether the type's Callback should run (outside the lock).
    /// </summary>
    private bool RequestDemoteLocked(LockState state, long delay)
    {
        _flags |= delay > 0 ? GlockFlags.PendingDemote : GlockFlags.Demote;
        if (_demoteState == LockState.Exclusive)
        {
            _demoteState = state;
            _demoteRequestedAt = Table.Clock.NowTicks;
        }
        else if (_demoteState != LockState.Unlocked && _demoteState != state)
        {
            _demoteState = LockState.Unlocked;
        }
        _counters.DemoteRequests++;
        return (_opsFlags & GlockOperationFlags.Callback) != 0;
    }

    private void DemoteWakeLocked()
    {
        _demoteState = LockState.Exclusive;
        _flags &= ~GlockFlags.Demote;
        WakeLocked();
    }

    /// <summary>
    /// run_queue: start the pending demote once no incompatible holder remains, else grant waiters and, if the head
    /// waiter needs another state, start that conversion. Returns the state change to perform outside
    /// the lock (GlockFlags.Lock stays set until it finishes). With <paramref name="nonblock"/> a demote
    /// is left to the glock worker.
    /// </summary>
    private XmoteRequest RunQueueLocked(bool nonblock)
    {
        if ((_flags & GlockFlags.Lock) != 0)
            return default;
        _flags |= GlockFlags.Lock;

        if ((_flags & GlockFlags.Demote) != 0)
            NormaliseDemoteLocked();
        if ((_flags & GlockFlags.Demote) != 0 && _demoteState != _state)
        {
            if (HasIncompatibleHolderLocked(_demoteState))
            {
                _flags &= ~GlockFlags.Lock;
                return default;
            }
            if (nonblock)
            {
                _flags &= ~GlockFlags.Lock;
                Table.WorkQueue.Queue(this, 0);
                return default;
            }
            _flags |= GlockFlags.DemoteInProgress;
            _target = _demoteState;
            return PrepareXmoteLocked(null, _target);
        }

        if ((_flags & GlockFlags.Demote) != 0)
            DemoteWakeLocked();
        if (!DoPromoteLocked())
        {
            _flags &= ~GlockFlags.Lock;
            return default;
        }
        var head = FirstWaiterLocked()!;
        _target = head.State;
        if (!IsTry(head))
            DoErrorLocked(lockManagerError: false); // fail queued try locks
        return PrepareXmoteLocked(head, _target);
    }

    /// <summary>
    /// True while a granted holder could not keep its grant in <paramref name="target"/>: every holder
    /// blocks a demote to UN; SH holders survive EX->SH and DF holders EX->DF (they were served by the
    /// cached EX and need nothing the demoted state lacks), so a remote reader need not wait for local ones.
    /// </summary>
    private bool HasIncompatibleHolderLocked(LockState target)
    {
        foreach (var gh in _holders)
        {
            if (!gh._granted)
                break;
            if (target == LockState.Unlocked || gh.State != target)
                return true;
        }
        return false;
    }

    /// <summary>
    /// A demote request may be stale by the time it runs (the callback raced with our own change):
    /// at UN there is nothing to drop, and from SH/DF the only real demote is to UN.
    /// </summary>
    private void NormaliseDemoteLocked()
    {
        if (_state == LockState.Unlocked)
            _demoteState = LockState.Unlocked;
        else if (_state != LockState.Exclusive && _demoteState != _state)
            _demoteState = LockState.Unlocked;
    }
}
