using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Glocks;

// State changes through the lock manager: gfs2's do_xmote, finish_xmote, gfs2_glock_cb,
// gfs2_glock_complete and glock_work_func.
public sealed partial class Glock
{
    private const long HoldTimeDecrement = TimeSpan.TicksPerMillisecond * 25;  // HZ/40
    private const long HoldTimeIncrement = TimeSpan.TicksPerMillisecond * 50;  // HZ/20
    private const long HoldTimeFloor = TimeSpan.TicksPerMillisecond * 10;      // HZ/100

    /// <summary>A state change decided under the lock and carried out after releasing it.</summary>
    private readonly record struct XmoteRequest(bool Needed, LockState From, LockState Target, LockRequestFlags Flags, bool Invalidate);

    /// <summary>do_xmote, the part under the lock: choose flags, mark invalidation, start the clock.</summary>
    private XmoteRequest PrepareXmoteLocked(GlockHolder? gh, LockState target)
    {
        var flags = LockRequestFlags.None;
        if (gh != null)
        {
            if ((gh.Flags & GlockHolderFlags.Try) != 0) flags |= LockRequestFlags.Try;
            if ((gh.Flags & GlockHolderFlags.TryOneCallback) != 0) flags |= LockRequestFlags.TryOneCallback;
            if ((gh.Flags & GlockHolderFlags.NoExpire) != 0) flags |= LockRequestFlags.NoExpire;
            if ((gh.Flags & GlockHolderFlags.Any) != 0) flags |= LockRequestFlags.Any;
        }
        // A conversion out of SH/DF could deadlock against another node converting too: ask as a
        // try-with-callback; if it fails, finish_xmote goes through UN (invalidating) and asks again.
        if (target != LockState.Unlocked && _state is LockState.Shared or LockState.Deferred &&
            (flags & (LockRequestFlags.Try | LockRequestFlags.TryOneCallback)) == 0)
            flags |= LockRequestFlags.TryOneCallback;

        bool invalidate = target is LockState.Unlocked or LockState.Deferred &&
                          (_opsFlags & GlockOperationFlags.Invalidate) != 0;
        if (invalidate)
        {
            _flags |= GlockFlags.InvalidateInProgress;
            DoErrorLocked(lockManagerError: false); // try locks must not wait out an invalidation
        }
        _counters.LockManagerRequests++;
        _lockManagerStartedAt = Table.Clock.NowTicks;
        return new XmoteRequest(true, _state, target, flags, invalidate);
    }

    /// <summary>
    /// do_xmote, the part outside the lock: Sync, Invalidate, then the lock-manager request. A reply
    /// delivered synchronously inside ILockManager.Lock is processed here, and so is any follow-up
    /// (retry, conversion through UN, the next waiter's request).
    /// </summary>
    private void Xmote(XmoteRequest xm, bool nonblock)
    {
        while (xm.Needed)
        {
            if ((_opsFlags & GlockOperationFlags.Sync) != 0)
            {
                Errno err = Ops.Sync(this, xm.Target);
                if (!err.IsOk)
                {
                    // Write-back failed: the data cannot be handed on. Withdraw; no invalidate, no request.
                    Table.Withdraw($"glock {Ops.Name} {Name}: sync before {LockStateRules.ShortName(xm.From)}->{LockStateRules.ShortName(xm.Target)} failed: {err}");
                    lock (_lock)
                        AbortXmoteLocked();
                    return;
                }
            }
            if (xm.Invalidate)
            {
                Ops.Invalidate(this, xm.Target);
                lock (_lock)
                {
                    _flags &= ~GlockFlags.InvalidateInProgress;
                    if (xm.Target == LockState.Unlocked && (_opsFlags & GlockOperationFlags.Instantiate) != 0)
                        _flags |= GlockFlags.InstantiateNeeded;
                }
            }
            if (Table.IsWithdrawn && (xm.Flags & LockRequestFlags.NoExpire) == 0)
            {
                lock (_lock)
                    AbortXmoteLocked();
                return;
            }

            var outer = t_inLockManagerCall;
            t_inLockManagerCall = this;
            try
            {
                Table.LockManager.Lock(Name, xm.From, xm.Target, xm.Flags);
            }
            finally
            {
                t_inLockManagerCall = outer;
            }

            bool recancel;
            lock (_lock)
            {
                // A dequeue may have sent its cancel between the previous step's reply and this request: the lock
                // manager had nothing to cancel then. Now the request is registered, so cancel it again.
                recancel = (_flags & (GlockFlags.SyncReply | GlockFlags.Canceling | GlockFlags.DemoteInProgress)) == GlockFlags.Canceling;
            }
            if (recancel)
                Table.LockManager.Cancel(Name);
            lock (_lock)
            {
                if ((_flags & GlockFlags.SyncReply) == 0)
                    return; // the reply comes later, through the glock worker
                _flags &= ~(GlockFlags.SyncReply | GlockFlags.ReplyPending);
                xm = FinishXmoteLocked(_replyState, _replyStatus);
                if (!xm.Needed)
                    xm = RunQueueLocked(nonblock);
            }
        }
    }

    /// <summary>A state change that cannot go on (withdrawn): fail the waiters with EIO, keep the state.</summary>
    private void AbortXmoteLocked()
    {
        _flags &= ~(GlockFlags.InvalidateInProgress | GlockFlags.DemoteInProgress | GlockFlags.Lock);
        _target = _state;
        DemoteWakeLocked();
        DoErrorLocked(lockManagerError: true);
    }

    /// <summary>Completion from the lock manager (gfs2_glock_complete).</summary>
    internal void Complete(LockState state, LockStatus status)
    {
        lock (_lock)
        {
            _replyState = state;
            _replyStatus = status;
            _flags |= GlockFlags.ReplyPending;
            if (t_inLockManagerCall == this)
            {
                _flags |= GlockFlags.SyncReply; // Xmote picks it up when Lock returns
                return;
            }
        }
        Table.WorkQueue.Queue(this, 0);
    }

    /// <summary>
    /// finish_xmote: the lock manager answered. Record the new state; on the target, finish the demote
    /// or grant waiters; otherwise report cancel/error/try failure, or continue (retry from UN,
    /// convert through UN). Returns the next step, if any (GlockFlags.Lock then stays set).
    /// </summary>
    private XmoteRequest FinishXmoteLocked(LockState state, LockStatus status)
    {
        long latency = Table.Clock.NowTicks - _lockManagerStartedAt;
        _counters.LockManagerTicks += latency;
        _counters.LockManagerMaxTicks = Math.Max(_counters.LockManagerMaxTicks, latency);
        StateChangeLocked(state);
        var gh = FirstWaiterLocked();
        bool demoting = (_flags & GlockFlags.DemoteInProgress) != 0;

        // A demote to UN was requested while demoting to SH or DF.
        if (demoting && state != LockState.Unlocked && _demoteState == LockState.Unlocked)
            _target = LockState.Unlocked;

        if (state != _target)
        {
            // A cancel also ends a multi-step request (SH->UN->EX) between steps: the lock manager only ever saw
            // the step in flight, which may have completed normally, so the intent is kept in GlockFlags.Canceling.
            if ((status == LockStatus.Canceled || (_flags & GlockFlags.Canceling) != 0) && gh != null && !demoting)
            {
                RemoveHolderLocked(gh);
                gh.Error = GlockResult.FromErrno(Errno.ECANCELED);
                return EndXmoteLocked();
            }
            if (status == LockStatus.Error)
            {
                if (demoting)
                    _flags &= ~GlockFlags.DemoteInProgress;
                DemoteWakeLocked();
                DoErrorLocked(lockManagerError: true);
                return EndXmoteLocked();
            }
            if (gh != null && !demoting && IsTry(gh))
            {
                DoErrorLocked(lockManagerError: false);
                return EndXmoteLocked();
            }
            if (gh != null && !demoting && (gh.Flags & GlockHolderFlags.Any) != 0 &&
                state is LockState.Shared or LockState.Deferred && _target is LockState.Shared or LockState.Deferred)
            {
                _target = state; // ANY: the alternate mode is as good
            }
            else
            {
                // UN (conversion deadlock or a step done): ask for the target; SH/DF: drop to UN first.
                return PrepareXmoteLocked(demoting ? null : gh, state is LockState.Shared or LockState.Deferred ? LockState.Unlocked : _target);
            }
        }

        if (demoting)
        {
            _flags &= ~GlockFlags.DemoteInProgress;
            DemoteWakeLocked();
            _counters.Demotes++;
        }
        if (state != LockState.Unlocked)
            DoPromoteLocked();
        return EndXmoteLocked();
    }

    private XmoteRequest EndXmoteLocked()
    {
        _target = _state;
        _flags &= ~GlockFlags.Lock;
        WakeLocked();
        // A demote requested while the state change was in flight was skipped by the work that saw
        // GlockFlags.Lock; look at it again now (the work recomputes any hold time).
        if ((_flags & (GlockFlags.PendingDemote | GlockFlags.Demote)) != 0)
            Table.WorkQueue.Queue(this, 0);
        return default;
    }

    /// <summary>state_change: record the new state and time; shorten the hold time when we missed the target.</summary>
    private void StateChangeLocked(LockState state)
    {
        if (_state != LockState.Unlocked && state != LockState.Unlocked && _holders.Count == 0)
            _flags &= ~GlockFlags.Queued;
        if (state != _target)
            _holdTime = Math.Max(_holdTime - HoldTimeDecrement, Math.Min(HoldTimeFloor, Table.Options.MinHoldTime.Ticks));
        _state = state;
        _stateChangedAt = Table.Clock.NowTicks;
    }

    /// <summary>
    /// Blocking callback (gfs2_glock_cb): another node wants <paramref name="wanted"/>. Demote target:
    /// EX wanted -> UN, DF -> DF, SH -> SH. Types with a minimum hold time delay it while recently used.
    /// </summary>
    internal void Blocking(LockState wanted)
    {
        LockState target = wanted switch
        {
            LockState.Exclusive => LockState.Unlocked,
            LockState.Deferred => LockState.Deferred,
            LockState.Shared => LockState.Shared,
            _ => LockState.Exclusive,
        };
        if (target == LockState.Exclusive)
            return; // nobody waits for UN
        long delay = 0;
        bool callback;
        lock (_lock)
        {
            if ((_opsFlags & GlockOperationFlags.MinHoldTime) != 0 && (_flags & GlockFlags.Queued) != 0)
            {
                long holdUntil = _stateChangedAt + _holdTime;
                long now = Table.Clock.NowTicks;
                if (now < holdUntil)
                    delay = holdUntil - now;
                if ((_flags & GlockFlags.ReplyPending) != 0)
                    delay = _holdTime;
            }
            callback = RequestDemoteLocked(target, delay);
        }
        if (callback)
            Ops.Callback(this, remote: true);
        Table.WorkQueue.Queue(this, delay);
    }

    /// <summary>Shrinker: demote a cached glock nobody holds to UN. Returns whether a demote was started.</summary>
    internal bool ReclaimDemote()
    {
        bool callback;
        lock (_lock)
        {
            if (_holders.Count > 0 || _state == LockState.Unlocked ||
                (_flags & (GlockFlags.Lock | GlockFlags.Demote)) != 0)
                return false;
            callback = RequestDemoteLocked(LockState.Unlocked, 0);
        }
        if (callback)
            Ops.Callback(this, remote: false);
        Table.WorkQueue.Queue(this, 0);
        return true;
    }

    /// <summary>True when nothing refers to the glock and it holds nothing, so the table may drop it.</summary>
    internal bool IsFreeable()
    {
        lock (_lock)
        {
            return Volatile.Read(ref _refs) == 0 && _holders.Count == 0 && _state == LockState.Unlocked &&
                   (_flags & (GlockFlags.Lock | GlockFlags.Demote | GlockFlags.PendingDemote | GlockFlags.ReplyPending)) == 0;
        }
    }

    /// <summary>Withdraw: fail every waiter with EIO unless a request is in flight (its reply fails them).
    /// Holders keep their grant until they dequeue.</summary>
    internal void FailWaitersForWithdraw()
    {
        lock (_lock)
        {
            if ((_flags & GlockFlags.Lock) == 0)
                DoErrorLocked(lockManagerError: true);
        }
    }

    /// <summary>glock_work_func: process a reply, turn a pending demote into a demote once the hold time passed, run the queue.</summary>
    internal void RunWork()
    {
        XmoteRequest xm = default;
        long delay = 0;
        lock (_lock)
        {
            if ((_flags & (GlockFlags.ReplyPending | GlockFlags.SyncReply)) == GlockFlags.ReplyPending)
            {
                _flags &= ~GlockFlags.ReplyPending;
                xm = FinishXmoteLocked(_replyState, _replyStatus);
            }
            if (!xm.Needed)
            {
                if ((_flags & (GlockFlags.PendingDemote | GlockFlags.Lock)) == GlockFlags.PendingDemote)
                {
                    long holdUntil = _stateChangedAt + _holdTime;
                    long now = Table.Clock.NowTicks;
                    if (_state == LockState.Unlocked || _demoteState == LockState.Exclusive)
                    {
                        _flags &= ~GlockFlags.PendingDemote; // nothing left to drop
                        if ((_flags & GlockFlags.Demote) == 0)
                            DemoteWakeLocked();
                    }
                    else if (now < holdUntil)
                    {
                        delay = holdUntil - now;
                    }
                    else
                    {
                        _flags &= ~GlockFlags.PendingDemote;
                        _flags |= GlockFlags.Demote;
                    }
                }
                xm = RunQueueLocked(nonblock: false);
            }
        }
        if (xm.Needed)
            Xmote(xm, nonblock: false);
        if (delay > 0)
            Table.WorkQueue.Queue(this, delay);
    }
}
