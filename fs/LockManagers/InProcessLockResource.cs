namespace ClusterFs.Fs.LockManagers;

/// <summary>One lock in an <see cref="InProcessLockSpace"/>: who holds what, and who waits in FIFO order.</summary>
internal sealed class InProcessLockResource
{
    /// <summary>Granted non-UN states by node.</summary>
    public Dictionary<InProcessNode, LockState> Granted { get; } = new(2);

    /// <summary>Waiting requests, oldest first.</summary>
    public List<InProcessLockRequest> Queue { get; } = new(2);

    public bool IsEmpty => Granted.Count == 0 && Queue.Count == 0;

    /// <summary>True when <paramref name="node"/> may hold <paramref name="state"/> next to every other node's grant.</summary>
    public bool CompatibleWithOthers(InProcessNode node, LockState state)
    {
        foreach (var (other, held) in Granted)
        {
            if (other != node && !LockStateRules.Compatible(held, state))
                return false;
        }
        return true;
    }
}
