using ClusterFs.Fs.Format;
using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.Inodes;
using ClusterFs.Fs.Journal;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterFs.Fs.Node;

/// <summary>
/// One mounted node of a ClusterFs filesystem (gfs2's superblock info): the device, the <see cref="Format.Volume"/>
/// over this node's journal, a <see cref="GlockTable"/> over the node's lock manager, and the in-core inodes.
/// Several nodes may mount one shared device, each with its own lock manager of one lock space.
/// </summary>
/// <remarks>Cluster-wide exclusion: an inode's data and dinode are protected by its inode glock; every
/// allocation, free and namespace change additionally runs under the filesystem-wide meta glock held EX
/// (<see cref="LockMeta"/>), which stands in for gfs2's rgrp glocks. Lock order: inode glocks (by the callers'
/// own order) -> meta glock -> Volume's operation lock. Glock Sync callbacks (on the glock worker) never take
/// a glock: allocation happens in the writer's context, writeback only writes allocated blocks.</remarks>
public sealed partial class FsNode : IDisposable
{
    private readonly object _inodesLock = new(); // leaf lock: guards _inodes
    private readonly Dictionary<long, Inode> _inodes = new();
    private readonly ILogger _log;
    private readonly MetadataJournal _journal;
    private readonly GlockHolder _journalHolder;
    private readonly Glock _metaGlock;
    private readonly bool _ownsDevice;
    private int _unmounted;

    private FsNode(IBlockDevice device, Volume volume, GlockTable glocks, MetadataJournal journal, GlockHolder journalHolder,
        NodeOptions options, ILogger log)
    {
        Device = device;
        Volume = volume;
        Glocks = glocks;
        _journal = journal;
        _journalHolder = journalHolder;
        _log = log;
        _ownsDevice = options.OwnsDevice;
        Name = options.Name;
        _metaGlock = glocks.Get(0, MetaGlockOperations.Instance);
        _metaGlock.Target = new JournalCheckpointTarget(journal);
        glocks.JournalRecoveryRequested += OnRecoveryRequested;
        // The last unlink of a file some node still uses leaves it allocated (state unlinked) until the last user,
        // on whichever node, frees it (FsNode.Iopen.cs).
        volume.IsInUse = IsInUseForUnlink;
    }

    /// <summary>The shared device this node mounted.</summary>
    public IBlockDevice Device { get; }

    /// <summary>The metadata layer, writing through this node's journal.</summary>
    public Volume Volume { get; }

    /// <summary>This node's glocks (inode, meta, journal) over its lock manager.</summary>
    public GlockTable Glocks { get; }

    /// <summary>The node name (glock worker, dumps, logs).</summary>
    public string Name { get; }

    /// <summary>This node's journal id.</summary>
    public int JournalId => Glocks.JournalId;

    /// <summary>Filesystem block size in bytes.</summary>
    public int BlockSize => Volume.BlockSize;

    /// <summary>True once the node withdrew (glock requests fail with EIO).</summary>
    public bool IsWithdrawn => Glocks.IsWithdrawn;

    /// <summary>
    /// Mounts a node: reads and checks the superblock, checks that its lock protocol is the lock manager's,
    /// joins the lock space with the superblock's lock table, takes this node's journal glock EX, mounts
    /// (replaying if dirty) the journal, and opens the volume over it. Returns OK and the node, or an errno with
    /// <paramref name="problem"/> naming the cause (EINVAL for a protocol/table mismatch, EBUSY journal taken, ...).
    /// </summary>
    public static Errno Mount(IBlockDevice device, NodeOptions options, out FsNode? node, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        node = null;
        var log = options.Logger ?? NullLogger.Instance;
        var e = Volume.Open(device, null, log, out var probe, out problem);
        if (!e.IsOk) return e;
        var sb = probe!.Sb;
        if (sb.BlockSize > Iov.Mm.Page.Size)
        {
            problem = $"block size {sb.BlockSize} is larger than the page size {Iov.Mm.Page.Size}: not supported by the page cache";
            return Errno.EINVAL;
        }
        var manager = options.LockManager ?? new NoLockManager();
        if (sb.LockProtocol != manager.Protocol)
        {
            problem = $"superblock lock protocol '{sb.LockProtocol}' does not match the lock manager '{manager.Protocol}'";
            return Errno.EINVAL;
        }
        var glocks = new GlockTable(manager, new GlockTableOptions { MinHoldTime = options.MinHoldTime, NodeName = options.Name });
        e = glocks.Mount(sb.LockTable, sb.Journals.Count, options.Journal);
        if (!e.IsOk)
        {
            problem = $"lock manager '{manager.Protocol}' refused lock table '{sb.LockTable}' ({sb.Journals.Count} journals): {e}";
            glocks.Dispose();
            return e;
        }
        int jid = glocks.JournalId;
        var jgl = glocks.Get((ulong)jid, JournalGlockOperations.Instance);
        var jh = new GlockHolder(jgl, LockState.Exclusive, GlockHolderFlags.NoPid | GlockHolderFlags.NoExpire);
        var r = jh.Nq();
        if (!r.IsOk)
        {
            problem = $"journal {jid}: journal glock not granted: {r}";
            glocks.Unmount();
            glocks.Dispose();
            return r.Errno.IsOk ? Errno.EBUSY : r.Errno;
        }
        var extent = ExtentOf(sb, jid);
        // mkfs formats every journal; a journal without a valid header is refused, never formatted here,
        // since an old filesystem's journal could otherwise be replayed over this one.
        e = MetadataJournal.Mount(device, extent, () => jh.IsHolder, out var journal, out var report);
        if (e.IsOk)
        {
            if (report.WasDirty)
                log.LogInformation("journal {Jid}: replayed {Count} transactions", jid, report.TransactionsReplayed);
            e = Volume.Open(device, journal, log, out var volume, out problem);
            if (e.IsOk)
            {
                node = new FsNode(device, volume!, glocks, journal!, jh, options, log);
                node.ReclaimUnlinked(); // what an earlier crash or unmount left unlinked; failures are logged
                return Errno.OK;
            }
            journal!.Unmount();
        }
        else problem = $"journal {jid}: {report.Problem}";
        jh.Dq();
        glocks.Unmount();
        glocks.Dispose();
        return e;
    }

    /// <summary>The journal extent of <paramref name="jid"/> as the journal code addresses it.</summary>
    internal static JournalLocation ExtentOf(Superblock sb, int jid)
    {
        var j = sb.Journals[jid];
        return JournalLocation.FromBlocks(j.FirstBlock, j.BlockCount, sb.BlockSize);
    }

    /// <summary>Raised (on the glock worker) after an inode's glock dropped its cache (go_inval: going to UN or DF),
    /// with the inode number. Handlers must not block or take glocks: a FUSE front end queues a kernel page-cache
    /// invalidation here.</summary>
    public event Action<long>? InodeInvalidated;

    internal void OnInodeInvalidated(long ino) => InodeInvalidated?.Invoke(ino);

    /// <summary>The root directory's inode number.</summary>
    public long RootInode => Volume.RootInode;

    /// <summary>The in-core inode for <paramref name="ino"/>, created on first use (iget). The dinode is read on the
    /// first grant of its glock, not here. Never fails for a number; a bad number fails at the first glock grant.</summary>
    public Inode GetInode(long ino)
    {
        lock (_inodesLock)
        {
            if (!_inodes.TryGetValue(ino, out var inode))
            {
                inode = new Inode(this, ino);
                _inodes.Add(ino, inode);
            }
            return inode;
        }
    }

    /// <summary>The in-core inodes (a snapshot).</summary>
    public IReadOnlyList<Inode> CachedInodes()
    {
        lock (_inodesLock) return _inodes.Values.ToArray();
    }

    /// <summary>Takes the filesystem-wide meta glock EX for one allocation/namespace change. The caller disposes the
    /// scope. Returns EIO after a withdraw (the scope is then empty).</summary>
    public MetaLockScope LockMeta(out Errno error)
    {
        var gh = new GlockHolder(_metaGlock, LockState.Exclusive);
        var r = gh.Nq();
        if (!r.IsOk)
        {
            error = r.Errno.IsOk ? Errno.EIO : r.Errno;
            return default;
        }
        error = Errno.OK;
        return new MetaLockScope(gh);
    }

    /// <summary>Stops all cluster I/O: every later glock request fails with EIO, and so do waiters that are not
    /// waiting for the lock manager. (Waiters with a request in flight are released when the lock manager answers:
    /// a test tearing down a cross-node deadlock declares the nodes dead in the lock space, which fails those.)</summary>
    public void Withdraw(string reason) => Glocks.Withdraw(reason);

    /// <summary>
    /// Unmounts: writes back every inode (demoting its glock), unmaps nothing else, marks the journal clean,
    /// releases every lock and leaves the lock space. After a withdraw nothing is written back. Idempotent;
    /// returns the first write-back or journal error.
    /// </summary>
    public Errno Unmount()
    {
        // Unlinked files whose last user on this node just went (a session end unpins everything) are freed while
        // the node can still take glocks; one another node still uses is left to that node.
        if (Volatile.Read(ref _unmounted) == 0 && !IsWithdrawn) ReclaimUnlinked();
        if (Interlocked.Exchange(ref _unmounted, 1) != 0) return Errno.OK;
        Errno first = Errno.OK;
        if (!IsWithdrawn)
        {
            foreach (var inode in CachedInodes())
            {
                var e = inode.SyncForUnmount();
                if (first.IsOk && !e.IsOk) first = e;
            }
        }
        Glocks.JournalRecoveryRequested -= OnRecoveryRequested;
        WaitForRecoveries(TimeSpan.FromSeconds(10));
        if (!IsWithdrawn)
        {
            var e = _journal.Unmount();
            if (first.IsOk && !e.IsOk) first = e;
        }
        _journalHolder.Dq();
        _metaGlock.Put();
        _journalHolder.Glock.Put();
        Glocks.Unmount(TimeSpan.FromSeconds(10));
        Glocks.Dispose();
        Volume.Dispose();
        if (_ownsDevice) Device.Dispose();
        return first;
    }

    /// <summary>Unmounts (errors are logged, not thrown).</summary>
    public void Dispose()
    {
        var e = Unmount();
        if (!e.IsOk) _log.LogError("node {Name}: unmount failed: {Error}", Name, e);
    }
}
