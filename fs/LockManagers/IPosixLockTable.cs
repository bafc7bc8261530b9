using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers;

/// <summary>
/// A node's handle on the cluster-wide table of POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW, OFD locks alike),
/// the analogue of the DLM's plock service that gfs2 uses: every node sees every node's locks, so a lock taken on one
/// node conflicts with requests on all others. Locks are keyed by inode number; a lock owner is (this node, the
/// kernel's lock_owner). Ranges are inclusive; <see cref="PosixLock.OffsetMax"/> ends a lock that runs to EOF.
/// Semantics are POSIX's (Linux's posix_lock_inode): an owner's locks never conflict with each other; its locks of one
/// type that overlap or touch coalesce; unlocking or re-locking part of a range with the other type splits or trims
/// what it held there. When this node leaves the cluster or dies, its locks are dropped and waiters elsewhere proceed.
/// </summary>
/// <remarks>Per-manager behaviour (nolock: local; in-process: one table per lock space; etcd: keys bound to the node's
/// lease) lives behind this interface, obtained from <see cref="ILockManager.PosixLocks"/> after mount.</remarks>
public interface IPosixLockTable
{
    /// <summary>
    /// F_GETLK: finds a lock of another owner that conflicts with <paramref name="request"/> on <paramref name="inode"/>.
    /// Returns OK with <paramref name="conflict"/> set to the conflicting lock with the lowest start (its type, range,
    /// node, owner and pid), or to a lock of type <see cref="PosixLockType.Unlock"/> when nothing conflicts (also for an
    /// Unlock request). Errors: EIO/ETIMEDOUT when the cluster cannot be asked. Changes nothing.
    /// </summary>
    Errno Test(ulong inode, in PosixLockRequest request, out PosixLock conflict);

    /// <summary>
    /// F_SETLK (<paramref name="wait"/> false) or F_SETLKW (true): takes, converts or (type Unlock) releases the
    /// owner's locks over the request's range, atomically with respect to every node. OK once done. EAGAIN when another
    /// owner holds a conflicting lock and <paramref name="wait"/> is false. With <paramref name="wait"/>: blocks until
    /// the conflicts are gone, EINTR (nothing changed) when <paramref name="cancel"/> fires first, EDEADLK when waiting
    /// would close a cycle of owners waiting for each other (see the implementation for which cycles are seen).
    /// EIO/ETIMEDOUT when the cluster cannot be reached or this node has left it. An unlock never waits.
    /// </summary>
    Errno Set(ulong inode, in PosixLockRequest request, bool wait, CancellationToken cancel);

    /// <summary>
    /// Drops every lock <paramref name="owner"/> of this node holds on <paramref name="inode"/> (close/flush, release of
    /// an OFD lock's file). OK (also when it held none), or EIO/ETIMEDOUT when the cluster cannot be reached.
    /// </summary>
    Errno Release(ulong inode, ulong owner);
}
