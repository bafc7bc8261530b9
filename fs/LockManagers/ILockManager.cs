using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers;

/// <summary>
/// A cluster lock manager (gfs2's lm_lockops): nolock, in-process, etcd. One instance per mounted node.
/// Per-manager behaviour lives behind this interface, never in switches in the glock code.
/// </summary>
public interface ILockManager : IDisposable
{
    /// <summary>Protocol name as written in the superblock and on the command line ("lock_nolock", "lock_inproc", "lock_etcd").</summary>
    string Protocol { get; }

    /// <summary>
    /// Joins the lock space named by <paramref name="lockTable"/> ("cluster:fsname"). Returns the
    /// journal id this node was assigned (or the one requested, if free), or an error (EINVAL for an
    /// unknown table or a journal id out of range, EBUSY if it is taken, ETIMEDOUT/EIO if the cluster is
    /// unreachable). Nothing is written to storage here.
    /// </summary>
    Errno Mount(string lockTable, int journalCount, int requestedJournal, ILockManagerCallbacks callbacks, out int journalId);

    /// <summary>
    /// Asks to move lock <paramref name="name"/> from <paramref name="current"/> to <paramref name="requested"/>
    /// (Unlocked releases it). Completion is reported through <see cref="ILockManagerCallbacks.Completed"/>,
    /// possibly before this returns. At most one request per lock is outstanding.
    /// </summary>
    void Lock(LockName name, LockState current, LockState requested, LockRequestFlags flags);

    /// <summary>Cancels the outstanding request for <paramref name="name"/>, if any; it then completes with Canceled
    /// (or Granted, if the grant won the race).</summary>
    void Cancel(LockName name);

    /// <summary>Tells the cluster that journal <paramref name="journalId"/> has been replayed.</summary>
    void RecoveryDone(int journalId);

    /// <summary>Leaves the lock space; every lock this node held is released.</summary>
    void Unmount();

    /// <summary>
    /// This node's handle on the cluster-wide POSIX record-lock table (the DLM's plock service), usable after
    /// <see cref="Mount"/>; its locks are dropped by <see cref="Unmount"/> or when the node dies. Null when the manager
    /// offers none: the FUSE mount then leaves POSIX locks to the kernel, node-local.
    /// </summary>
    IPosixLockTable? PosixLocks => null;
}
