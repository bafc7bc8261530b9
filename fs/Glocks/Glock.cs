using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Glocks;

/// <summary>
/// A cluster lock cached by this node (gfs2's struct gfs2_glock): one per (type, number) in a
/// <see cref="GlockTable"/>. Local holders queue on it in strict FIFO order; it asks the lock
/// manager for state changes and honours other nodes' demote requests. Per-type behaviour is in
/// <see cref="Ops"/>. The queue rules follow fs/gfs2/glock.c (may_grant, do_promote, add_to_queue,
/// run_queue, do_xmote, finish_xmote); see docs/locking.md.
/// </summary>
public sealed partial class Glock
{
    // Lock order: GlockTable._lock -> Glock._lock -> GlockWorkQueue._lock. Never held across a call
    // into ILockManager, IGlockOperations or IGlockTarget (callbacks may re-enter on this thread).
    private readonly object _lock = new();
    // gl_holders: granted holders first (contiguous), then waiters in FIFO order.
    private readonly List<GlockHolder> _holders = new(4);
    private GlockFlags _flags = GlockFlags.InstantiateNeeded;
    private LockState _state = LockState.Unlocked;
    private LockState _target = LockState.Unlocked;
    private LockState _demoteState = LockState.Exclusive; // Exclusive = no demote requested (gfs2's convention)
    private LockState _replyState;
    private LockStatus _replyStatus;
    private long _stateChangedAt;
    private long _demoteRequestedAt;
    private long _holdTime;
    private long _lockManagerStartedAt;
    private GlockCounters _counters;
    private int _refs;
    private IGlockTarget? _target_object;
    private int _sleepers; // threads in Monitor.Wait on _lock: wake-ups are skipped when there are none
    private readonly GlockOperationFlags _opsFlags; // Ops.Flags, read once: the fast path avoids the interface call

    /// <summary>Due time of queued work in clock ticks, or -1; guarded by GlockWorkQueue._lock.</summary>
    internal long _workDue = -1;

    [ThreadStatic] private static Glock? t_inLockManagerCall;

    internal Glock(GlockTable table, LockName name, IGlockOperations ops)
    {
        Table = table;
        Name = name;
        Ops = ops;
        _opsFlags = ops.Flags;
        _holdTime = table.Options.MinHoldTime.Ticks;
        _stateChangedAt = table.Clock.NowTicks;
    }

    public LockName Name { get; }

    public IGlockOperations Ops { get; }

    public GlockTable Table { get; }

    /// <summary>The protected object (gfs2's gl_object) the inode/rgrp operations act on; null if none yet.</summary>
    public IGlockTarget? Target
    {
        get => Volatile.Read(ref _target_object);
        set => Volatile.Write(ref _target_object, value);
    }

    /// <summary>The state this node holds in the cluster (cached even with no holders).</summary>
    public LockState State
    {
        get { lock (_lock) return _state; }
    }

    /// <summary>The current minimum hold time (adapts like gfs2's gl_hold_time).</summary>
    public TimeSpan HoldTime
    {
        get { lock (_lock) return new TimeSpan(_holdTime); }
    }

    /// <summary>A snapshot of this glock's statistics.</summary>
    public GlockStatistics Statistics
    {
        get { lock (_lock) return _counters.Snapshot(); }
    }

    /// <summary>Number of references taken with <see cref="GlockTable.Get"/> and not yet released.</summary>
    public int References => Volatile.Read(ref _refs);

    internal void Hold() => Interlocked.Increment(ref _refs);

    /// <summary>Releases a reference taken with <see cref="GlockTable.Get"/>. The glock stays cached
    /// (with its state) until <see cref="GlockTable.Reclaim"/> frees it.</summary>
    public void Put()
    {
        if (Interlocked.Decrement(ref _refs) < 0)
            throw new InvalidOperationException($"glock {Name}: reference count went negative");
    }

    internal GlockResult Enqueue(GlockHolder gh)
    {
        if (Table.IsWithdrawn && (gh.Flags & GlockHolderFlags.NoExpire) == 0)
        {
            gh._ready = true;
            return gh.Error = GlockResult.FromErrno(Errno.EIO);
        }
        if ((gh.Flags & GlockHolderFlags.NoBlock) != 0)
            return EnqueueNoBlock(gh);

        XmoteRequest xm;
        lock (_lock)
        {
            ResetHolderLocked(gh);
            if (!AddToQueueLocked(gh))
            {
                gh._ready = true;
                bool report = gh.Diagnostic != null || (gh.Flags & GlockHolderFlags.Async) == 0;
                return report ? gh.Error : GlockResult.Ok;
            }
            xm = RunQueueLocked(nonblock: true);
            if (gh._waiting)
                gh._waitStartedAt = Table.Clock.NowTicks;
        }
        if (xm.Needed)
            Xmote(xm, nonblock: true);
        if ((gh.Flags & GlockHolderFlags.Async) != 0)
            return GlockResult.Ok;
        if (!Volatile.Read(ref gh._waiting))
            return HolderReady(gh); // granted (or failed) already: the cached fast path
        return Wait(gh, Timeout.InfiniteTimeSpan);
    }

    private void ResetHolderLocked(GlockHolder gh)
    {
        if (gh._queued)
            throw new InvalidOperationException($"glock {Name}: holder enqueued twice");
        gh._ready = false;
        gh.Error = GlockResult.Ok;
        gh.Diagnostic = null;
    }

    private GlockResult EnqueueNoBlock(GlockHolder gh)
    {
        lock (_lock)
        {
            ResetHolderLocked(gh);
            if (TrapRecursionLocked(gh))
                return gh.Error;
            // Never wait: not behind anyone, not during a state change, not when a re-read is due.
            bool blocked = FirstWaiterLocked() != null ||
                           (_flags & (GlockFlags.Lock | GlockFlags.Demote)) != 0 ||
                           !MayGrantLocked(FirstHolderLocked(), gh) ||
                           ((_flags & GlockFlags.InstantiateNeeded) != 0 &&
                            (_opsFlags & GlockOperationFlags.Instantiate) != 0 &&
                            (gh.Flags & GlockHolderFlags.Skip) == 0);
            if (blocked)
            {
                gh._ready = true;
                return gh.Error = GlockResult.FromErrno(Errno.ECHILD);
            }
            _holders.Add(gh);
            gh._queued = true;
            gh._granted = true;
            _flags |= GlockFlags.Queued;
            _counters.Queued++;
            _counters.Grants++;
        }
        return HolderReady(gh);
    }

    internal GlockResult Wait(GlockHolder gh, TimeSpan timeout)
    {
        if (gh._ready)
            return gh.Error;
        if (Volatile.Read(ref gh._waiting) && !WaitForGrant(gh, timeout))
            return GlockResult.FromErrno(Errno.ETIMEDOUT);
        return HolderReady(gh);
    }

    /// <summary>gfs2_glock_wait: sleeps until the holder is granted or failed. False on timeout.</summary>
    private bool WaitForGrant(GlockHolder gh, TimeSpan timeout)
    {
        long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        long started = Table.Clock.NowTicks;
        lock (_lock)
        {
            if (!gh._waiting)
                return true;
            while (gh._waiting)
            {
                long left = deadline == long.MaxValue ? Timeout.Infinite : deadline - Environment.TickCount64;
                if (deadline != long.MaxValue && left <= 0)
                    return false;
                SleepLocked((int)Math.Min(left, int.MaxValue));
            }
            // A wait over a second lengthens the hold time: holders get more time to make progress.
            if (Table.Clock.NowTicks - started > TimeSpan.TicksPerSecond)
                _holdTime = Math.Min(_holdTime + HoldTimeIncrement, Table.Options.MinHoldTime.Ticks);
            return true;
        }
    }

    /// <summary>gfs2_glock_holder_ready + gfs2_instantiate: once per grant, re-read if needed, then Held.</summary>
    private GlockResult HolderReady(GlockHolder gh)
    {
        if (gh._ready)
            return gh.Error;
        gh._ready = true;
        if (!gh.Error.IsOk || !gh._granted || (gh.Flags & GlockHolderFlags.Skip) != 0)
            return gh.Error;
        Errno err = Instantiate();
        if (err.IsOk && (_opsFlags & GlockOperationFlags.Held) != 0)
            err = Ops.Held(gh);
        if (!err.IsOk)
        {
            Dequeue(gh);
            gh.Error = GlockResult.FromErrno(err);
        }
        return gh.Error;
    }

    private Errno Instantiate()
    {
        // The flag is only set by an invalidation, which finishes under the lock before any grant that follows it.
        if ((_opsFlags & GlockOperationFlags.Instantiate) == 0 || (_flags & GlockFlags.InstantiateNeeded) == 0)
            return Errno.OK;
        lock (_lock)
        {
            while (true)
            {
                if ((_flags & GlockFlags.InstantiateNeeded) == 0)
                    return Errno.OK;
                if ((_flags & GlockFlags.InstantiateInProgress) == 0)
                    break;
                SleepLocked(Timeout.Infinite);
            }
            _flags |= GlockFlags.InstantiateInProgress;
        }
        Errno err = Errno.EIO;
        try
        {
            err = Ops.Instantiate(this);
        }
        finally
        {
            lock (_lock)
            {
                if (err.IsOk)
                    _flags &= ~GlockFlags.InstantiateNeeded;
                _flags &= ~GlockFlags.InstantiateInProgress;
                WakeLocked();
            }
        }
        return err;
    }

    internal void Dequeue(GlockHolder gh)
    {
        long delay;
        bool callback = false;
        lock (_lock)
        {
            if (!gh._queued)
                return;
            if (!gh._granted && _holders[0] == gh &&
                (_flags & (GlockFlags.Lock | GlockFlags.DemoteInProgress | GlockFlags.Canceling)) == GlockFlags.Lock)
            {
                _flags |= GlockFlags.Canceling;
                goto cancel;
            }
            if ((gh.Flags & GlockHolderFlags.NoCache) != 0)
                callback = RequestDemoteLocked(LockState.Unlocked, 0);
            RemoveHolderLocked(gh);
            if (_holders.Count == 0 && (_flags & (GlockFlags.Demote | GlockFlags.PendingDemote)) == 0)
                return; // fast path: the state stays cached for the next holder
            delay = (_flags & (GlockFlags.Demote | GlockFlags.PendingDemote)) == GlockFlags.PendingDemote &&
                    (_opsFlags & GlockOperationFlags.MinHoldTime) != 0 ? _holdTime : 0;
        }
        if (callback)
            Ops.Callback(this, remote: false);
        Table.WorkQueue.Queue(this, delay);
        return;

    cancel:
        // The head waiter's request is in flight: cancel it and wait until it completes
        // (Canceled removes the holder; a grant that won the race makes it a holder we then drop).
        Table.LockManager.Cancel(Name);
        lock (_lock)
        {
            while (gh._waiting)
                SleepLocked(Timeout.Infinite);
            _flags &= ~GlockFlags.Canceling;
        }
        Dequeue(gh);
    }

    /// <summary>Monitor.Wait on the glock's lock, counted so that <see cref="WakeLocked"/> can skip PulseAll when nobody sleeps.</summary>
    private void SleepLocked(int milliseconds)
    {
        _sleepers++;
        try
        {
            Monitor.Wait(_lock, milliseconds);
        }
        finally
        {
            _sleepers--;
        }
    }

    private void WakeLocked()
    {
        if (_sleepers > 0)
            Monitor.PulseAll(_lock);
    }

    private void RemoveHolderLocked(GlockHolder gh)
    {
        for (int i = 0; i < _holders.Count; i++)
        {
            if (ReferenceEquals(_holders[i], gh))
            {
                _holders.RemoveAt(i);
                break;
            }
        }
        gh._queued = false;
        gh._granted = false;
        gh._waiting = false;
    }
}
