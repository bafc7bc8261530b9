using ClusterFs.Fs.Inodes;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Fs.Node;

// Freeing unlinked inodes across nodes through the iopen glock (see InodeIopen). Lock order: inode glock -> meta
// glock -> iopen glock; the iopen glock is only ever taken EX with TRY, so it never waits on another node.
public sealed partial class FsNode
{
    /// <summary>
    /// Volume.IsInUse, asked (under the meta glock) when an inode loses its last link: true keeps it allocated as
    /// unlinked. A user on this node keeps it, and it becomes delete-pending here; otherwise the iopen glock EX is
    /// tried, and a refusal means another node uses it (that node's callback makes it delete-pending there).
    /// </summary>
    private bool IsInUseForUnlink(long ino)
    {
        var iopen = GetInode(ino).Iopen;
        if (iopen.IsPinned)
        {
            iopen.MarkDeletePending();
            return true;
        }
        var ex = iopen.TryExclusive();
        if (ex is null) return true;
        // Released at once: the inode has no name left, so only a stale handle could pin it before it is freed, and
        // that use then fails with ESTALE.
        ex.Dq();
        return false;
    }

    /// <summary>
    /// Frees inode <paramref name="ino"/> if it is unlinked and no node uses it: under its glock EX and the meta glock,
    /// with the iopen glock EX (TRY_1CB). Nothing to do (OK) when it is still linked, already freed, used here, or
    /// used by another node (whose last user frees it). Failures are logged; fsck reclaims what is left unlinked.
    /// </summary>
    public Errno TryEvictUnlinked(long ino)
    {
        if (Volatile.Read(ref _unmounted) != 0) return Errno.OK; // unmount leaves it unlinked for the next mount's fsck
        var inode = GetInode(ino);
        if (inode.Iopen.IsPinned) return Errno.OK;
        var gh = inode.Lock(LockState.Exclusive, out var e);
        if (gh is null) return e == Errno.ESTALE ? Errno.OK : Logged(ino, e);
        try
        {
            if (inode.Iopen.IsPinned) return Errno.OK;
            using var meta = LockMeta(out e);
            if (!e.IsOk) return Logged(ino, e);
            e = Volume.GetAttr(ino, out var attr);
            if (e == Errno.ESTALE) return Errno.OK; // another node freed it first
            if (!e.IsOk) return Logged(ino, e);
            if (attr!.Nlink != 0) return Errno.OK;
            var ex = inode.Iopen.TryExclusive();
            if (ex is null) return Errno.OK;
            try
            {
                inode.DiscardLocked();
                e = Volume.Evict(ino);
                return e.IsOk ? e : Logged(ino, e);
            }
            finally { ex.Dq(); }
        }
        finally { gh.Dq(); }
    }

    private Errno Logged(long ino, Errno e)
    {
        _log.LogWarning("node {Name}: unlinked inode {Ino} not freed ({Error}); left unlinked for fsck", Name, ino, e);
        return e;
    }

    /// <summary>
    /// Frees the unlinked dinodes that no node uses any more: those a crashed node (or an unmount) left behind when it
    /// still had them open. Runs after mount and after recovering another node's journal; a dinode some live node
    /// still uses is left to that node (the refused TRY marks it delete-pending there). Returns how many were freed.
    /// </summary>
    public int ReclaimUnlinked()
    {
        var inodes = new List<long>();
        using (var meta = LockMeta(out var e))
        {
            if (!e.IsOk) return 0;
            e = Volume.FindUnlinked(inodes);
            if (!e.IsOk)
            {
                _log.LogWarning("node {Name}: looking for unlinked inodes failed ({Error})", Name, e);
                return 0;
            }
        }
        int freed = 0;
        foreach (long ino in inodes)
        {
            if (TryEvictUnlinked(ino).IsOk && Volume.GetAttr(ino, out _) == Errno.ESTALE) freed++;
        }
        if (inodes.Count > 0)
            _log.LogInformation("node {Name}: {Freed} of {Count} unlinked inodes freed", Name, freed, inodes.Count);
        return freed;
    }
}
