namespace ClusterFs.Fs.Glocks;

/// <summary>Mutable per-glock counters, updated under the glock's lock; see <see cref="GlockStatistics"/>.</summary>
internal struct GlockCounters
{
    public long Grants;
    public long Queued;
    public long Waits;
    public long WaitTicks;
    public long DemoteRequests;
    public long Demotes;
    public long LockManagerRequests;
    public long LockManagerTicks;
    public long LockManagerMaxTicks;

    public readonly GlockStatistics Snapshot() => new(
        Grants, Queued, Waits, new TimeSpan(WaitTicks), DemoteRequests, Demotes,
        LockManagerRequests, new TimeSpan(LockManagerTicks), new TimeSpan(LockManagerMaxTicks));
}
