using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Inodes;

// Open-file lifetime (the in-core i_count of open descriptions): an unlinked file stays allocated, with its
// cache, while an open file description refers to it, and is evicted when the last one closes, as POSIX
// requires. Scope: this node only; other nodes' opens are not seen (gfs2 uses the iopen glock for that).
public sealed partial class Inode
{
    private int _openCount; // open file descriptions on this node; Interlocked

    /// <summary>True while some open file description on this node refers to the inode.</summary>
    public bool IsOpen => Volatile.Read(ref _openCount) > 0;

    /// <summary>Counts a new open file description.</summary>
    public void OpenRef() => Interlocked.Increment(ref _openCount);

    /// <summary>Drops an open file description. When it was the last one and the inode has no links left,
    /// the inode is evicted (its blocks and dinode freed) under its glock EX and the meta lock.</summary>
    public Errno OpenUnref()
    {
        int left = Interlocked.Decrement(ref _openCount);
        if (left < 0) throw new InvalidOperationException($"inode {Ino}: more closes than opens");
        if (left > 0) return Errno.OK;
        // Cheap check first, without the glock: a close of a linked file must not cost an EX glock. A stale
        // positive count only leaves an unlinked inode behind, which fsck reclaims.
        if (Node.Volume.GetAttr(Ino, out var seen).IsOk && seen!.Nlink != 0) return Errno.OK;
        var gh = Lock(LockState.Exclusive, out var e);
        if (gh is null) return e;
        try
        {
            if (IsOpen) return Errno.OK; // reopened meanwhile (through another name it cannot be: nlink is 0)
            using var meta = Node.LockMeta(out e);
            if (!e.IsOk) return e;
            if (!Node.Volume.GetAttr(Ino, out var attr).IsOk || attr!.Nlink != 0) return Errno.OK;
            DiscardLocked();
            return Node.Volume.Evict(Ino);
        }
        finally { gh.Dq(); }
    }
}
