using System.Text;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Inodes;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Node;
using ClusterFs.Fuse;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Cli.Mount;

/// <summary>
/// The FUSE front end of a mounted <see cref="FsNode"/>: inode-based requests mapped onto the same core the
/// in-process API (<c>FsProcess</c>) uses — namespace changes under the meta glock, attributes and data under the
/// inode glock, reads and writes as KVEC iterators over the FUSE buffers through <c>GfsFileOperations</c>. FUSE
/// inode numbers are ClusterFs inode numbers, except that the root directory is FUSE_ROOT_ID (1).
/// </summary>
/// <remarks>Lock order: inode glocks -> meta glock -> <see cref="_useLock"/> (a leaf). Coherence: when an inode's glock
/// drops its cache (demotion to UN/DF), <see cref="FsNode.InodeInvalidated"/> queues a notify_inval_inode that an
/// <see cref="InvalidationQueue"/> thread sends, never a request handler. flock(2) locks hold across nodes (flock
/// glocks); POSIX record locks hold across nodes through the lock manager's cluster-wide plock table (like gfs2 over
/// dlm's plock service; see ClusterFsFuse.Plocks.cs), or stay in the kernel, node-local, when it offers none.</remarks>
public sealed partial class ClusterFsFuse : FuseFileSystemBase, IDisposable
{
    private const ulong FuseRootId = 1;

    private readonly FsNode _node;
    private readonly ILogger _log;
    private readonly InvalidationQueue _inval;
    private readonly double _attrTimeout;
    private readonly double _entryTimeout;
    // Guards _use; held while an entry's first user pins the inode (the iopen glock SH never waits under the meta
    // glock, and nothing that pins needs this lock), so pins and unpins of one inode stay in order.
    private readonly object _useLock = new();
    private readonly Dictionary<long, (long Lookups, int Opens)> _use = new(); // each entry pins its inode (InodeIopen)

    /// <summary>
    /// A front end over <paramref name="node"/>. With <paramref name="clustered"/> false (nolock: nothing changes
    /// behind this node's back) the kernel caches attributes and names for a minute; with a cluster lock manager
    /// names are revalidated on every lookup and attributes after a second, and glock demotions invalidate the
    /// kernel's cache. Every inode the kernel references (lookups or opens) is pinned through its iopen glock, so a file
    /// the kernel still uses outlives its last link, on every node.
    /// </summary>
    public ClusterFsFuse(FsNode node, bool clustered, ILogger log)
    {
        _node = node ?? throw new ArgumentNullException(nameof(node));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _attrTimeout = clustered ? 1.0 : 60.0;
        _entryTimeout = clustered ? 0.0 : 60.0;
        _inval = new InvalidationQueue(log);
        node.InodeInvalidated += OnInodeInvalidated;
    }

    /// <summary>The mounted node.</summary>
    public FsNode Node => _node;

    /// <summary>notify_inval_inode calls sent so far.</summary>
    public long InvalidationsSent => _inval.Sent;

    /// <summary>Connects the kernel-cache invalidation to <paramref name="session"/> (after the mount is live).</summary>
    public void AttachSession(FuseSession? session) => _inval.Attach(session);

    /// <summary>Stops the invalidation thread and detaches from the node.</summary>
    public void Dispose()
    {
        _node.InodeInvalidated -= OnInodeInvalidated;
        _inval.Dispose();
    }

    private void OnInodeInvalidated(long ino) => _inval.Enqueue(ToFuse(ino));

    private long ToCore(ulong ino) => ino == FuseRootId ? _node.RootInode : (long)ino;

    private ulong ToFuse(long ino) => ino == _node.RootInode ? FuseRootId : (ulong)ino;

    /// <inheritdoc/>
    public override void Init(FuseConnection connection)
    {
        // POSIX locks go to the lock manager's cluster-wide table; without one the kernel keeps them node-local.
        if (PosixLockTable is null) connection.Drop(FuseCapabilities.PosixLocks);
        else connection.Request(FuseCapabilities.PosixLocks);
        connection.Request(FuseCapabilities.FlockLocks);
    }

    /// <inheritdoc/>
    public override void Destroy()
    {
        FlockUnlockAll();
        PlockReleaseAll();
        List<long> evict = [];
        lock (_useLock)
        {
            foreach (long ino in _use.Keys)
            {
                if (_node.GetInode(ino).Iopen.Unpin()) evict.Add(ino);
            }
            _use.Clear();
        }
        foreach (long ino in evict) _node.TryEvictUnlinked(ino);
    }

    private void AddLookup(long ino) => ChangeUse(ino, 1, 0);

    private void ChangeOpens(long ino, int delta) => ChangeUse(ino, 0, delta);

    /// <inheritdoc/>
    public override void Forget(ulong ino, ulong nlookup)
    {
        if (ino == ControlIno) return;
        ChangeUse(ToCore(ino), -(long)nlookup, 0);
    }

    /// <summary>
    /// Counts the kernel's references to an inode. The first pins the inode on this node; when the last goes, an inode
    /// that lost its last link meanwhile is freed, unless another node still uses it (then that node frees it).
    /// </summary>
    private void ChangeUse(long ino, long lookups, int opens)
    {
        bool evict = false;
        lock (_useLock)
        {
            bool had = _use.TryGetValue(ino, out var u);
            if (!had && lookups <= 0 && opens <= 0) return; // a forget for an inode already dropped (unmount)
            u = (u.Lookups + lookups, u.Opens + opens);
            if (u.Lookups > 0 || u.Opens > 0)
            {
                if (!had)
                {
                    var e = _node.GetInode(ino).Iopen.Pin();
                    if (!e.IsOk) _log.LogWarning("inode {Ino}: not pinned ({Error}); an unlink elsewhere may free it", ino, e);
                    else _use[ino] = u;
                }
                else
                {
                    _use[ino] = u;
                }
            }
            else if (had)
            {
                _use.Remove(ino);
                evict = _node.GetInode(ino).Iopen.Unpin();
            }
        }
        if (evict) _node.TryEvictUnlinked(ino);
    }

    /// <summary>Reads an inode's attributes under its glock SH (size as this node sees it, dirty data included).</summary>
    private Errno Stat(long ino, out FuseAttr attr)
    {
        attr = default;
        var inode = _node.GetInode(ino);
        var gh = inode.Lock(LockState.Shared, out var e);
        if (gh is null) return e;
        try
        {
            e = inode.ReloadAttrLocked();
            if (!e.IsOk) return e;
            attr = ToFuseAttr(inode.Attr!);
            return Errno.OK;
        }
        finally { gh.Dq(); }
    }

    private FuseAttr ToFuseAttr(InodeAttr a) => new()
    {
        Ino = ToFuse(a.Ino),
        Mode = a.Mode,
        Nlink = a.Nlink,
        Uid = a.Uid,
        Gid = a.Gid,
        Size = a.Size,
        Blocks = a.Blocks * _node.BlockSize / 512,
        BlockSize = _node.BlockSize,
        Atime = new FuseTime(a.Atime.Seconds, a.Atime.Nanoseconds),
        Mtime = new FuseTime(a.Mtime.Seconds, a.Mtime.Nanoseconds),
        Ctime = new FuseTime(a.Ctime.Seconds, a.Ctime.Nanoseconds),
    };

    /// <summary>Stats <paramref name="ino"/> into an entry reply and counts the kernel's new lookup reference.</summary>
    private Errno Entry(long ino, out FuseEntry entry)
    {
        entry = default;
        var e = Stat(ino, out var attr);
        if (!e.IsOk) return e;
        entry = MakeEntry(attr, ino);
        AddLookup(ino);
        return Errno.OK;
    }

    private FuseEntry MakeEntry(in FuseAttr attr, long ino) => new()
    {
        Ino = attr.Ino,
        Generation = (ulong)(_node.GetInode(ino).Attr?.Generation ?? 0),
        Attr = attr,
        AttrTimeout = _attrTimeout,
        EntryTimeout = _entryTimeout,
    };

    private static string Name(ReadOnlySpan<byte> name) => Encoding.UTF8.GetString(name);
}
