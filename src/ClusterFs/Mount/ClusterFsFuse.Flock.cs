using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fuse;
using ClusterFs.Iov;

namespace ClusterFs.Cli.Mount;

// flock(2) across nodes, like gfs2's do_flock: a holder on the inode's flock glock (SH or EX, exact; the node's last one released NOCACHE) excludes
// other nodes; glock holders of one node do not exclude each other, so a local table (the kernel's flock list in gfs2)
// excludes the open files of this node. Unlike gfs2 the local table is decided first (see Flock).
public sealed partial class ClusterFsFuse
{
    private const int LockSh = 1, LockEx = 2, LockNb = 4, LockUn = 8;
    private static readonly TimeSpan s_flockPoll = TimeSpan.FromMilliseconds(100);

    private readonly object _flockLock = new(); // leaf (waited on with Monitor.Wait): guards _flocks
    private readonly Dictionary<(long Ino, ulong Owner), (GlockHolder? Holder, bool Exclusive)> _flocks = new(); // Holder null: reserved, glock pending

    /// <inheritdoc/>
    public override Errno Flock(in FuseContext ctx, ulong ino, in FuseFile file, int op, CancellationToken cancel)
    {
        if (ino == ControlIno) return Errno.EINVAL;
        var key = (ToCore(ino), file.LockOwner);
        int kind = op & ~LockNb;
        if (kind == LockUn) { FlockUnlock(key); return Errno.OK; }
        if (kind is not (LockSh or LockEx)) return Errno.EINVAL;
        bool exclusive = kind == LockEx, wait = (op & LockNb) == 0;
        lock (_flockLock)
        {
            if (_flocks.TryGetValue(key, out var held) && held.Exclusive == exclusive) return Errno.OK;
        }
        // A conversion drops the old lock first (flock conversions are not atomic, as in Linux and gfs2).
        FlockUnlock(key);
        // This node's open files first: the winner reserves its entry, so the glock only ever sees compatible local
        // holders (a TRY request queued behind a conflicting holder of the same node would wait for itself).
        lock (_flockLock)
        {
            while (LocalFlockConflictLocked(key, exclusive))
            {
                if (!wait) return Errno.EAGAIN;
                if (cancel.IsCancellationRequested) return Errno.EINTR;
                Monitor.Wait(_flockLock, s_flockPoll); // woken by FlockUnlock; the timeout only re-checks cancel
            }
            _flocks[key] = (null, exclusive);
        }
        var gl = _node.Glocks.Get((ulong)key.Item1, FlockGlockOperations.Instance);
        var gh = new GlockHolder(gl, exclusive ? LockState.Exclusive : LockState.Shared,
            GlockHolderFlags.Exact | GlockHolderFlags.NoPid | (wait ? GlockHolderFlags.Async : GlockHolderFlags.TryOneCallback));
        var e = AcquireFlockGlock(gh, wait, cancel);
        lock (_flockLock)
        {
            if (e.IsOk) _flocks[key] = (gh, exclusive);
            else
            {
                _flocks.Remove(key);
                Monitor.PulseAll(_flockLock);
            }
        }
        if (!e.IsOk) gl.Put();
        return e;
    }

    /// <summary>Enqueues the flock glock holder: TRY_1CB without waiting (EAGAIN when refused), or waits until granted
    /// or <paramref name="cancel"/> fires (EINTR; the waiting holder is dequeued).</summary>
    private static Errno AcquireFlockGlock(GlockHolder gh, bool wait, CancellationToken cancel)
    {
        var r = gh.Nq();
        if (!wait) return r.IsOk ? Errno.OK : r.IsTryFailed ? Errno.EAGAIN : r.Errno;
        while (true)
        {
            if (r.IsOk && gh.IsHolder) return Errno.OK;
            if (!r.IsOk && r.Errno != Errno.ETIMEDOUT) return r.Errno;
            if (cancel.IsCancellationRequested)
            {
                gh.Dq();
                return Errno.EINTR;
            }
            r = gh.Wait(s_flockPoll);
        }
    }

    private bool LocalFlockConflictLocked((long Ino, ulong Owner) key, bool exclusive)
    {
        foreach (var (k, v) in _flocks)
            if (k.Ino == key.Ino && k.Owner != key.Owner && (exclusive || v.Exclusive)) return true;
        return false;
    }

    /// <summary>Drops the flock lock of (inode, owner), if any: the local entry, then the glock holder. The last holder
    /// of this node releases with NOCACHE (the glock goes to UN, so another node's LOCK_NB request is granted at once).
    /// Earlier ones must not: a pending demote makes every new local holder wait behind the remaining ones (gfs2's
    /// run_queue), so a second open file of this node flocking the same inode would wait for the first to unlock.</summary>
    private void FlockUnlock((long Ino, ulong Owner) key)
    {
        (GlockHolder? Holder, bool Exclusive) held;
        lock (_flockLock)
        {
            // A reserved entry belongs to a request still waiting for its glock; it settles the entry itself.
            if (!_flocks.TryGetValue(key, out held) || held.Holder is null) return;
            _flocks.Remove(key);
            // Decided and released under the table lock: a new local request reserves its entry under it first, so
            // either it is seen here (no NOCACHE) or it queues after the demote, which then runs at once.
            if (!_flocks.Keys.Any(k => k.Ino == key.Ino)) held.Holder.MarkNoCache();
            held.Holder.Dq();
            Monitor.PulseAll(_flockLock);
        }
        held.Holder.Glock.Put();
    }

    /// <summary>Drops every flock lock (session end).</summary>
    private void FlockUnlockAll()
    {
        List<(long, ulong)> keys;
        lock (_flockLock) keys = [.. _flocks.Keys];
        foreach (var k in keys) FlockUnlock(k);
    }
}
