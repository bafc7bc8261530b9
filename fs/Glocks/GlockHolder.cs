using System.Runtime.CompilerServices;
using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Fs.Glocks;

/// <summary>
/// A request for, and then a hold on, a glock (gfs2's struct gfs2_holder). Reusable: enqueue,
/// dequeue, enqueue again (optionally after <see cref="Reinit"/>). Not thread-safe by itself: one
/// task uses a holder at a time; the glock serialises everything else. A holder takes no glock
/// reference: keep the one from <see cref="GlockTable.Get"/> while you use it. The owner is fixed when
/// the holder is created or reinitialised (like gfs2's gh_owner_pid), not when it is enqueued.
/// </summary>
public sealed class GlockHolder
{
    // The fields below are guarded by the glock's lock (Glock._lock); reads without it are hints.
    internal bool _queued;   // on the glock's holder list (granted or waiting)
    internal bool _granted;  // HIF_HOLDER
    internal bool _waiting;  // HIF_WAIT
    internal bool _ready;    // instantiate/held done (or failed) for the current enqueue
    internal long _waitStartedAt;

    /// <summary>Creates a holder for <paramref name="glock"/>; <paramref name="owner"/> defaults to <see cref="GlockOwner.Current"/>.</summary>
    public GlockHolder(Glock glock, LockState state, GlockHolderFlags flags = GlockHolderFlags.None, GlockOwner? owner = null)
    {
        Glock = glock ?? throw new ArgumentNullException(nameof(glock));
        Set(state, flags, owner);
    }

    public Glock Glock { get; }

    /// <summary>The requested state (the glock itself may be in a stronger cached state, or DF/SH with ANY).</summary>
    public LockState State { get; private set; }

    public GlockHolderFlags Flags { get; private set; }

    public GlockOwner Owner { get; private set; }

    /// <summary>The outcome of the last enqueue: OK, <see cref="GlockResult.TryFailed"/>, or an error.</summary>
    public GlockResult Error { get; internal set; }

    /// <summary>For a recursion error: the report naming both holders (owner, state, caller); otherwise null.</summary>
    public string? Diagnostic { get; internal set; }

    /// <summary>The caller of the last <see cref="Nq"/> (gfs2's gh_ip), for dumps and recursion reports.</summary>
    public string Caller { get; private set; } = "";

    public int CallerLine { get; private set; }

    /// <summary>True while on the glock's queue, granted or waiting (gfs2_holder_queued).</summary>
    public bool IsQueued => Volatile.Read(ref _queued);

    /// <summary>True once granted and until dequeued.</summary>
    public bool IsHolder => Volatile.Read(ref _granted);

    /// <summary>True while waiting for the grant (gfs2_glock_poll's inverse).</summary>
    public bool IsWaiting => Volatile.Read(ref _waiting);

    /// <summary>Changes state, flags and owner of a holder that is not queued (gfs2_holder_reinit).</summary>
    public void Reinit(LockState state, GlockHolderFlags flags, GlockOwner? owner = null)
    {
        if (IsQueued)
            throw new InvalidOperationException("cannot reinit a queued glock holder; dequeue it first");
        Set(state, flags, owner);
    }

    /// <summary>
    /// Acquires the glock (gfs2_glock_nq). Without <see cref="GlockHolderFlags.Async"/> it waits for
    /// the grant and runs Instantiate/Held. Returns OK, <see cref="GlockResult.TryFailed"/> for a try lock
    /// not granted, -ECHILD for NOBLOCK when it would wait, -EDEADLK (with <see cref="Diagnostic"/>) when
    /// this owner already holds or waits for the glock, -EIO when withdrawn, or the Instantiate/Held error.
    /// With ASYNC it returns OK at once (recursion and withdraw still fail at once); call <see cref="Wait()"/>.
    /// </summary>
    public GlockResult Nq([CallerMemberName] string caller = "", [CallerLineNumber] int line = 0)
    {
        Caller = caller;
        CallerLine = line;
        return Glock.Enqueue(this);
    }

    /// <summary>Waits for an enqueued holder's grant (gfs2_glock_wait) and runs Instantiate/Held; returns as <see cref="Nq"/>.</summary>
    public GlockResult Wait() => Glock.Wait(this, Timeout.InfiniteTimeSpan);

    /// <summary>Like <see cref="Wait()"/>, but gives up after <paramref name="timeout"/> with -ETIMEDOUT, leaving the holder queued.</summary>
    public GlockResult Wait(TimeSpan timeout) => Glock.Wait(this, timeout);

    /// <summary>Sets <see cref="GlockHolderFlags.NoCache"/> on a holder about to be dequeued, so that this release drops
    /// the node's cached state too (gfs2 does this to the iopen holder at evict). Only the holder's owner calls it.</summary>
    public void MarkNoCache() => Flags |= GlockHolderFlags.NoCache;

    /// <summary>
    /// Releases the glock or abandons the wait (gfs2_glock_dq). A waiter whose lock-manager request is
    /// in flight has it cancelled first (this waits for the cancel to complete). No-op if not queued.
    /// </summary>
    public void Dq() => Glock.Dequeue(this);

    private void Set(LockState state, GlockHolderFlags flags, GlockOwner? owner)
    {
        State = state;
        Flags = flags;
        Owner = owner ?? GlockOwner.Current;
        Error = GlockResult.Ok;
        Diagnostic = null;
    }
}
