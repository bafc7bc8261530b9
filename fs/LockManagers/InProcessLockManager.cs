using ClusterFs.Fs.LockManagers.Plocks;
using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers;

/// <summary>"lock_inproc": one node's handle on an <see cref="InProcessLockSpace"/> (see there for the semantics).</summary>
public sealed class InProcessLockManager : ILockManager
{
    private readonly InProcessLockSpace _space;
    private InProcessNode? _node;

    internal InProcessLockManager(InProcessLockSpace space)
    {
        _space = space;
        PosixLocks = new PosixLockSpaceTable(space.PosixLocks, () => _node is { Dead: false } n ? n.JournalId : -1);
    }

    /// <inheritdoc />
    /// <remarks>The space's one <see cref="PosixLockSpace"/>, seen as this node.</remarks>
    public IPosixLockTable PosixLocks { get; }

    public string Protocol => "lock_inproc";

    /// <summary>Journal id of the mounted node, or -1.</summary>
    public int JournalId => _node?.JournalId ?? -1;

    /// <summary>EINVAL: lock table other than the space's (or malformed), journal count mismatch, journal id out of range.
    /// EBUSY: journal id taken or awaiting recovery, none free, or this manager already mounted.</summary>
    public Errno Mount(string lockTable, int journalCount, int requestedJournal, ILockManagerCallbacks callbacks, out int journalId)
    {
        ArgumentNullException.ThrowIfNull(callbacks);
        journalId = -1;
        if (_node != null)
            return Errno.EBUSY;
        Errno err = _space.Join(lockTable, journalCount, requestedJournal, callbacks, out var node);
        if (!err.IsOk)
            return err;
        _node = node;
        journalId = node!.JournalId;
        return Errno.OK;
    }

    public void Lock(LockName name, LockState current, LockState requested, LockRequestFlags flags) =>
        _space.Request(Node, name, current, requested, flags);

    public void Cancel(LockName name) => _space.Cancel(Node, name);

    public void RecoveryDone(int journalId) => _space.RecoveryDone(journalId);

    public void Unmount()
    {
        if (_node is { } node)
        {
            _space.Leave(node);
            _node = null;
        }
    }

    public void Dispose() => Unmount();

    private InProcessNode Node => _node ?? throw new InvalidOperationException("lock_inproc: used before Mount");
}
