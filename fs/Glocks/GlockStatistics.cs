namespace ClusterFs.Fs.Glocks;

/// <summary>
/// A snapshot of one glock's counters (gfs2's glstats, simplified).
/// </summary>
/// <param name="Grants">Holders granted.</param>
/// <param name="Queued">Holders enqueued (including those granted at once).</param>
/// <param name="Waits">Holders that had to wait before their grant.</param>
/// <param name="WaitTime">Total time those holders waited.</param>
/// <param name="DemoteRequests">Demote requests received (remote callbacks, NOCACHE, reclaim).</param>
/// <param name="Demotes">Demotes completed.</param>
/// <param name="LockManagerRequests">Requests sent to the lock manager (round trips).</param>
/// <param name="LockManagerLatency">Total time from request to processed reply.</param>
/// <param name="LockManagerLatencyMax">Longest single round trip.</param>
public readonly record struct GlockStatistics(
    long Grants,
    long Queued,
    long Waits,
    TimeSpan WaitTime,
    long DemoteRequests,
    long Demotes,
    long LockManagerRequests,
    TimeSpan LockManagerLatency,
    TimeSpan LockManagerLatencyMax);
