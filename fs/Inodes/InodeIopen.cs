using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Inodes;

/// <summary>
/// The inode's iopen glock as gfs2 uses it: while this node uses the inode (an open file, or the kernel's reference
/// through FUSE) it holds the glock SH, so an unlinked inode outlives its last name on every node that still uses
/// it. Freeing takes the glock EX with TRY_1CB: refused while any node holds it SH, and the refusal reaches those
/// nodes as a callback that marks the inode delete-pending there, so the last user, on whichever node, frees it.
/// </summary>
public sealed class InodeIopen : IGlockTarget
{
    private readonly Inode _inode;
    private readonly Lock _lock = new(); // guards _pins and _holder; held while the SH request waits (see Pin)
    private int _pins;
    private GlockHolder? _holder;
    private volatile bool _deletePending;

    internal InodeIopen(Inode inode)
    {
        _inode = inode;
        Glock = inode.Node.Glocks.Get((ulong)inode.Ino, IopenGlockOperations.Instance);
        Glock.Target = this;
    }

    /// <summary>The iopen glock (type Iopen, number = the inode number).</summary>
    public Glock Glock { get; }

    /// <summary>True while some user on this node pins the inode.</summary>
    public bool IsPinned => Volatile.Read(ref _pins) > 0;

    /// <summary>True once this node learned that the inode lost its last link (its own unlink, or another node's
    /// attempt to free it): the last unpin then tries to free it.</summary>
    public bool IsDeletePending => _deletePending;

    /// <summary>Counts a user on this node; the first takes the iopen glock SH (waiting while another node frees the
    /// inode, whose later use then fails with ESTALE). EIO after a withdraw; nothing is counted on an error.</summary>
    public Errno Pin()
    {
        lock (_lock)
        {
            if (_pins == 0)
            {
                // NoPid: pins are taken and dropped by different tasks. Exact: an EX left cached is not a pin.
                var gh = new GlockHolder(Glock, LockState.Shared, GlockHolderFlags.Exact | GlockHolderFlags.NoPid);
                var r = gh.Nq();
                if (!r.IsOk) return r.Errno.IsOk ? Errno.EIO : r.Errno;
                _holder = gh;
            }
            _pins++;
            return Errno.OK;
        }
    }

    /// <summary>Drops a user; the last one releases the SH holder (the state stays cached). Returns true when the
    /// caller should try to free the inode (<see cref="FsNode.TryEvictUnlinked"/>): the last user went and the
    /// inode is delete-pending.</summary>
    public bool Unpin()
    {
        lock (_lock)
        {
            if (_pins <= 0) throw new InvalidOperationException($"inode {_inode.Ino}: more unpins than pins");
            if (--_pins > 0) return false;
            // Delete-pending: leave the glock at UN (gfs2's evict drops the iopen holder with GL_NOCACHE) so this
            // node's cached SH cannot refuse the TRY of whichever node frees the inode, this one included.
            if (_deletePending) _holder?.MarkNoCache();
            _holder?.Dq();
            _holder = null;
            return _deletePending;
        }
    }

    /// <summary>Remembers that the inode lost its last link while this node used it.</summary>
    public void MarkDeletePending() => _deletePending = true;

    /// <summary>
    /// Takes the iopen glock EX without waiting (TRY_1CB, NOCACHE): granted only when no node, this one included,
    /// holds it SH. Refused, the other holders get a callback and mark the inode delete-pending. The caller frees
    /// the inode and then releases the holder.
    /// </summary>
    internal GlockHolder? TryExclusive()
    {
        var gh = new GlockHolder(Glock, LockState.Exclusive,
            GlockHolderFlags.TryOneCallback | GlockHolderFlags.NoCache | GlockHolderFlags.NoPid);
        return gh.Nq().IsOk ? gh : null;
    }

    /// <inheritdoc/>
    public Errno Sync(LockState from, LockState to) => Errno.OK;

    /// <inheritdoc/>
    public void Invalidate(bool metadata) { }

    /// <inheritdoc/>
    public Errno Refresh() => Errno.OK;

    /// <summary>iopen_go_callback: another node tries to free the inode. It is unlinked, so this node frees it at its
    /// last unpin, or now (on the thread pool: callbacks must not block) when nothing here uses it.</summary>
    public void RemoteDemoteRequested()
    {
        _deletePending = true;
        if (!IsPinned)
            ThreadPool.UnsafeQueueUserWorkItem(static i => i.Node.TryEvictUnlinked(i.Ino), _inode, preferLocal: false);
    }
}
