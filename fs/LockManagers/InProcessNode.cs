namespace ClusterFs.Fs.LockManagers;

/// <summary>One mounted node of an <see cref="InProcessLockSpace"/>. Guarded by the space's lock.</summary>
internal sealed class InProcessNode(int journalId, ILockManagerCallbacks callbacks)
{
    public int JournalId { get; } = journalId;
    public ILockManagerCallbacks Callbacks { get; } = callbacks;
    public bool Dead { get; set; }

    public override string ToString() => $"node jid {JournalId}";
}
