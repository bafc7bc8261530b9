using ClusterFs.Fs.LockManagers;
using ClusterFs.Fuse;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Cli.Mount;

// POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW, OFD locks alike) across nodes, like gfs2 over the DLM's plock
// service: every request goes to the lock manager's cluster-wide table (ILockManager.PosixLocks), keyed by inode, with
// the kernel's lock_owner as owner. When the manager offers no table the capability is not negotiated and the kernel
// keeps POSIX locks node-local. Releases: the kernel sends no unlock on close ("unlock on close is handled by the flush
// method"), so Flush drops the closing process's locks on the inode; OFD locks (owner = the open file) get no flush of
// their own, so Release drops the locks of every owner that locked through the handle and was never flushed.
public sealed partial class ClusterFsFuse
{
    private long _nextFileHandle;
    private readonly object _plockLock = new(); // leaf: guards _plockOwners
    private readonly Dictionary<ulong, HashSet<(long Ino, ulong Owner)>> _plockOwners = new(); // by file handle: owners that locked through it

    /// <summary>The lock manager's cluster-wide POSIX lock table, or null (then POSIX locks stay in the kernel).</summary>
    private IPosixLockTable? PosixLockTable => _node.Glocks.LockManager.PosixLocks;

    /// <summary>A handle unique to one open of a regular file, so that Release can find the OFD locks taken through it.</summary>
    private ulong NewFileHandle() => (ulong)Interlocked.Increment(ref _nextFileHandle);

    /// <inheritdoc/>
    public override Errno GetLk(in FuseContext ctx, ulong ino, in FuseFile file, ref FuseLock lk)
    {
        if (ino == ControlIno) return Errno.EINVAL;
        if (PosixLockTable is not { } table) return Errno.ENOSYS;
        if (!TryRequest(file.LockOwner, lk, out var request)) return Errno.EINVAL;
        var e = table.Test((ulong)ToCore(ino), request, out var conflict);
        if (!e.IsOk) return e;
        if (conflict.Type == PosixLockType.Unlock)
        {
            lk.Type = FuseLock.Unlock;
            return Errno.OK;
        }
        // The holder's pid is its pid on its own node; the kernel maps it into the caller's pid namespace.
        lk = new FuseLock
        {
            Type = (short)conflict.Type,
            Start = conflict.Start,
            Length = conflict.End == PosixLock.OffsetMax ? 0 : conflict.End - conflict.Start + 1,
            Pid = conflict.Pid,
        };
        return Errno.OK;
    }

    /// <inheritdoc/>
    public override Errno SetLk(in FuseContext ctx, ulong ino, in FuseFile file, in FuseLock lk, bool sleep, CancellationToken cancel)
    {
        if (ino == ControlIno) return Errno.EINVAL;
        if (PosixLockTable is not { } table) return Errno.ENOSYS;
        if (!TryRequest(file.LockOwner, lk, out var request)) return Errno.EINVAL;
        long core = ToCore(ino);
        if (request.Type != PosixLockType.Unlock)
        {
            // Noted before the request, so a concurrent Release of the handle cannot miss a lock granted meanwhile.
            lock (_plockLock)
            {
                if (!_plockOwners.TryGetValue(file.Handle, out var owners)) _plockOwners[file.Handle] = owners = [];
                owners.Add((core, file.LockOwner));
            }
        }
        return table.Set((ulong)core, request, sleep, cancel);
    }

    /// <summary>Flush (each close of a descriptor): drops the closing owner's POSIX locks on the inode, as close(2) does.
    /// Every owner that ever asked for a lock through this mount is noted under its handle until flushed or released.</summary>
    private void PlockFlush(ulong ino, in FuseFile file)
    {
        if (PosixLockTable is not { } table) return;
        long core = ToCore(ino);
        var key = (core, file.LockOwner);
        bool locked = false;
        lock (_plockLock)
        {
            // A flushed owner is a process's lock owner: it is done with on every handle of the inode.
            foreach (var owners in _plockOwners.Values) locked |= owners.Remove(key);
        }
        // Most closes come from owners that never locked: no round trip to the cluster for them.
        if (!locked) return;
        var e = table.Release((ulong)core, file.LockOwner);
        if (!e.IsOk) _log.LogWarning("inode {Ino}: POSIX locks of owner {Owner:x} not released ({Error})", core, file.LockOwner, e);
    }

    /// <summary>Release of an open file: drops the locks of owners that locked through it and were never flushed (OFD locks).</summary>
    private void PlockRelease(in FuseFile file)
    {
        HashSet<(long Ino, ulong Owner)>? owners;
        lock (_plockLock) _plockOwners.Remove(file.Handle, out owners);
        if (owners is null || PosixLockTable is not { } table) return;
        foreach (var (core, owner) in owners)
        {
            var e = table.Release((ulong)core, owner);
            if (!e.IsOk) _log.LogWarning("inode {Ino}: POSIX locks of owner {Owner:x} not released ({Error})", core, owner, e);
        }
    }

    /// <summary>Session end: drops every POSIX lock taken through this mount that is still known.</summary>
    private void PlockReleaseAll()
    {
        List<ulong> handles;
        lock (_plockLock) handles = [.. _plockOwners.Keys];
        foreach (ulong h in handles) PlockRelease(new FuseFile(h, 0, 0, false, false, false));
    }

    /// <summary>Converts the kernel's lock (start and length, 0 = to EOF) into an inclusive-range request; false if malformed.</summary>
    private static bool TryRequest(ulong owner, in FuseLock lk, out PosixLockRequest request)
    {
        request = default;
        if (lk.Start < 0 || lk.Length < 0 || lk.Type is not (FuseLock.ReadLock or FuseLock.WriteLock or FuseLock.Unlock)) return false;
        long end = lk.Length == 0 || lk.Length - 1 > PosixLock.OffsetMax - lk.Start ? PosixLock.OffsetMax : lk.Start + lk.Length - 1;
        request = new PosixLockRequest(owner, (PosixLockType)lk.Type, lk.Start, end, lk.Pid);
        return true;
    }
}
