using ClusterFs.Fs.Format;
using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.PageCache;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.Inodes;

/// <summary>
/// An in-core inode (gfs2_inode): its inode glock (whose <see cref="IGlockTarget"/> it is), its page cache with
/// the reverse map of its mappings, and i_size. Everything cached here is valid only while this node holds the
/// inode glock in a caching state: <see cref="Sync"/> writes dirty pages back before the glock leaves EX,
/// <see cref="Invalidate"/> drops (and unmaps) the cache when it goes to UN or DF, <see cref="Refresh"/> re-reads
/// the dinode on the first grant after an UN. The inode also supplies the block mapping (<see cref="Iomap.IIomapOps"/>)
/// and the direct-I/O host (<see cref="Iomap.IDioHost"/>).
/// </summary>
public sealed partial class Inode : IGlockTarget
{
    private long _size;      // i_size; changed under the glock EX (read without it by the lockless read)
    private long _diskSize;  // the size the dinode holds, as last read or written
    private volatile bool _swPaged; // GIF_SW_PAGED: written through a shared mapping since the last sync
    private volatile InodeAttr? _attr;

    internal Inode(FsNode node, long ino)
    {
        Node = node;
        Ino = ino;
        Glock = node.Glocks.Get((ulong)ino, InodeGlockOperations.Instance);
        VmOperations = new InodeVmOperations(this);
        Cache = new PageCacheTree(this, node.Device, VmOperations);
        Glock.Target = this;
        Iopen = new InodeIopen(this);
    }

    /// <summary>The iopen glock and this node's users of the inode (open files, the kernel's references).</summary>
    public InodeIopen Iopen { get; }

    /// <summary>The node this in-core inode belongs to.</summary>
    public FsNode Node { get; }

    /// <summary>The inode number (dinode block).</summary>
    public long Ino { get; }

    /// <summary>The inode glock (type Inode, number = <see cref="Ino"/>).</summary>
    public Glock Glock { get; }

    /// <summary>The inode's page cache (valid only while the glock is held in a caching state on this node).</summary>
    public PageCacheTree Cache { get; }

    /// <summary>The reverse map / mmap target of this file.</summary>
    public VmMapping Mapping => Cache.Mapping;

    internal InodeVmOperations VmOperations { get; }

    /// <summary>i_size: trustworthy only while this node holds the glock (refreshed on the first grant).</summary>
    public long Size => Volatile.Read(ref _size); // 64-bit targets only: a plain aligned load, no locked instruction on the read path

    /// <summary>The attributes as of the last refresh (null before the first grant).</summary>
    public InodeAttr? Attr => _attr;

    /// <summary>Mode bits of the last refresh (0 before the first grant).</summary>
    public uint Mode => _attr?.Mode ?? 0;

    /// <summary>Sets i_size (under the glock EX). The dinode follows at the next write-back.</summary>
    internal void SetSizeLocked(long size) => Volatile.Write(ref _size, size);

    /// <summary>Takes a holder on this inode's glock for the calling task. Returns the holder (granted) or null with
    /// the error: EDEADLK for a recursion (its diagnostic recorded in <see cref="GlockErrorReports"/>), EIO after a withdraw.</summary>
    public GlockHolder? Lock(LockState state, out Errno error, GlockHolderFlags flags = GlockHolderFlags.None)
    {
        var gh = new GlockHolder(Glock, state, flags);
        var r = gh.Nq();
        if (r.IsOk) { error = Errno.OK; return gh; }
        if (gh.Diagnostic is { } d) GlockErrorReports.Record(d);
        error = r.Errno.IsOk ? Errno.EAGAIN : r.Errno;
        return null;
    }

    /// <summary>go_sync: leaving EX (or any state while dirty) writes back dirty pages and the size; a file written
    /// through a shared mapping is unmapped first so that later writes fault into PageMkwrite (which needs EX).</summary>
    public Errno Sync(LockState from, LockState to)
    {
        if (_swPaged)
        {
            _swPaged = false;
            Cache.Mapping.UnmapRange(0, long.MaxValue / Page.Size);
        }
        if (Node.IsWithdrawn) return Errno.OK; // nothing may reach the disk any more; the cache is dropped next
        var e = WritebackRange(0, long.MaxValue);
        // The dinode changed under EX is in this node's journal: checkpoint it before another node may change it.
        if (e.IsOk && from == LockState.Exclusive) e = Node.Volume.Journal?.Checkpoint() ?? Errno.OK;
        return e;
    }

    /// <summary>go_inval: drops every cached page (unmapping it from every mapping) when going to UN or DF.</summary>
    public void Invalidate(bool metadata)
    {
        Cache.Drop(0, long.MaxValue);
        if (metadata) _attr = null;
        Node.OnInodeInvalidated(Ino);
    }

    /// <summary>go_instantiate: re-reads the dinode (size and attributes).</summary>
    public Errno Refresh()
    {
        var e = Node.Volume.GetAttr(Ino, out var attr);
        if (!e.IsOk) return e;
        _attr = attr;
        Interlocked.Exchange(ref _size, attr!.Size);
        Interlocked.Exchange(ref _diskSize, attr.Size);
        return Errno.OK;
    }

    /// <summary>Re-reads the attributes under a held glock (stat after a namespace change such as link/unlink).</summary>
    public Errno ReloadAttrLocked()
    {
        var e = Node.Volume.GetAttr(Ino, out var attr);
        if (!e.IsOk) return e;
        // The in-core size wins while dirty data is not yet written back.
        _attr = attr! with { Size = Size };
        return Errno.OK;
    }

    /// <summary>Marks the file written through a shared mapping (GIF_SW_PAGED).</summary>
    internal void MarkSwPaged() => _swPaged = true;

    /// <summary>Writes back everything under the glock EX (taken with TRY: when another node holds it, this
    /// node has nothing cached). Used by unmount.</summary>
    internal Errno SyncForUnmount()
    {
        var gh = new GlockHolder(Glock, LockState.Exclusive, GlockHolderFlags.Try | GlockHolderFlags.NoPid);
        var r = gh.Nq();
        if (!r.IsOk) return Errno.OK;
        try { return WritebackRange(0, long.MaxValue); }
        finally { gh.Dq(); }
    }
}
