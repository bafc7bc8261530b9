namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>One outstanding <see cref="ILockManager.Lock"/> request of this node.</summary>
internal sealed class EtcdPendingRequest(LockName name, LockState current, LockState requested, LockRequestFlags flags)
{
    private int _completed;

    public LockName Name { get; } = name;

    public LockState Current { get; } = current;

    public LockState Requested { get; } = requested;

    public LockRequestFlags Flags { get; } = flags;

    /// <summary>Set by watch events touching this lock and by Cancel.</summary>
    public AsyncSignal Changed { get; } = new();

    /// <summary>Create revision of this request's waiter key (its queue position); 0 before it is written.</summary>
    public long WaiterRevision { get; set; }

    public volatile bool CancelRequested;

    /// <summary>True exactly once: the caller that gets true delivers the Completed callback.</summary>
    public bool TryMarkCompleted() => Interlocked.Exchange(ref _completed, 1) == 0;
}
