namespace ClusterFs.Fs.LockManagers;

/// <summary>A queued (waiting) request of one node for one lock. Guarded by the space's lock.</summary>
internal sealed class InProcessLockRequest(InProcessNode node, LockState from, LockState to, LockRequestFlags flags)
{
    public InProcessNode Node { get; } = node;
    public LockState From { get; } = from;
    public LockState To { get; } = to;
    public LockRequestFlags Flags { get; } = flags;

    /// <summary>Holders already sent a blocking callback for this request (one each, like the DLM's bast).</summary>
    public List<InProcessNode> Notified { get; } = new(2);
}
