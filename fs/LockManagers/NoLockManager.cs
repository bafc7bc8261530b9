using ClusterFs.Fs.LockManagers.Plocks;
using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers;

/// <summary>
/// "lock_nolock" (gfs2's nolock_ops): a single node; every request is granted at once, synchronously
/// inside <see cref="Lock"/>; no blocking callbacks, no recovery. The embedded default. POSIX record locks live in a
/// table of this process (<see cref="PosixLockSpace"/>).
/// </summary>
public sealed class NoLockManager : ILockManager
{
    private readonly PosixLockSpace _plocks = new();
    private ILockManagerCallbacks? _callbacks;
    private int _journalId = -1;

    public NoLockManager() => PosixLocks = new PosixLockSpaceTable(_plocks, () => Volatile.Read(ref _journalId));

    /// <inheritdoc />
    public IPosixLockTable PosixLocks { get; }

    public string Protocol => "lock_nolock";

    /// <summary>Accepts any well-formed lock table. Journal: <paramref name="requestedJournal"/> (or 0 for -1);
    /// EINVAL when out of range or the table name is malformed, EBUSY when already mounted.</summary>
    public Errno Mount(string lockTable, int journalCount, int requestedJournal, ILockManagerCallbacks callbacks, out int journalId)
    {
        ArgumentNullException.ThrowIfNull(callbacks);
        journalId = -1;
        if (!LockTableName.IsValid(lockTable) || journalCount < 1 || requestedJournal < -1 || requestedJournal >= journalCount)
            return Errno.EINVAL;
        if (_callbacks != null)
            return Errno.EBUSY;
        _callbacks = callbacks;
        journalId = requestedJournal < 0 ? 0 : requestedJournal;
        _plocks.AddNode(journalId);
        Volatile.Write(ref _journalId, journalId);
        return Errno.OK;
    }

    public void Lock(LockName name, LockState current, LockState requested, LockRequestFlags flags)
    {
        var cb = _callbacks ?? throw new InvalidOperationException("lock_nolock: Lock before Mount");
        cb.Completed(name, requested, LockStatus.Granted);
    }

    /// <summary>Nothing is ever outstanding.</summary>
    public void Cancel(LockName name) { }

    public void RecoveryDone(int journalId) { }

    public void Unmount()
    {
        int jid = Interlocked.Exchange(ref _journalId, -1);
        if (jid >= 0) _plocks.DropNode(jid);
        _callbacks = null;
    }

    public void Dispose() => Unmount();
}
