namespace ClusterFs.Fs.Glocks;

/// <summary>Internal glock state bits (gfs2's GLF_*). Guarded by the glock's lock.</summary>
[Flags]
internal enum GlockFlags
{
    None = 0,
    /// <summary>GLF_LOCK: a state change (sync, invalidate, lock-manager request) is in progress.</summary>
    Lock = 1 << 0,
    /// <summary>GLF_DEMOTE: demote to the demote state once no incompatible holder remains.</summary>
    Demote = 1 << 1,
    /// <summary>GLF_PENDING_DEMOTE: a demote waiting for the minimum hold time.</summary>
    PendingDemote = 1 << 2,
    /// <summary>GLF_DEMOTE_IN_PROGRESS: the current state change is a demote.</summary>
    DemoteInProgress = 1 << 3,
    /// <summary>GLF_INVALIDATE_IN_PROGRESS: caches are being dropped; try locks fail.</summary>
    InvalidateInProgress = 1 << 4,
    /// <summary>GLF_INSTANTIATE_NEEDED: the next grant re-reads the object.</summary>
    InstantiateNeeded = 1 << 5,
    /// <summary>GLF_INSTANTIATE_IN_PROG: one holder is re-reading; others wait.</summary>
    InstantiateInProgress = 1 << 6,
    /// <summary>GLF_REPLY_PENDING: a lock-manager reply waits to be processed.</summary>
    ReplyPending = 1 << 7,
    /// <summary>The pending reply arrived synchronously inside ILockManager.Lock; the caller processes it.</summary>
    SyncReply = 1 << 8,
    /// <summary>GLF_QUEUED: holders were queued since the last state change (min hold time applies).</summary>
    Queued = 1 << 9,
    /// <summary>GLF_CANCELING: a dequeue is cancelling the head waiter's request.</summary>
    Canceling = 1 << 10,
}
