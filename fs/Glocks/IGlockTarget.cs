using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Glocks;

/// <summary>
/// The object a glock protects (gfs2's gl_object: an inode with its page cache, an rgrp with its
/// bitmaps). Inode and rgrp glock operations forward to it; the page cache and rgrp code implement it.
/// </summary>
public interface IGlockTarget
{
    /// <summary>Writes back dirty data and metadata before the glock leaves <paramref name="from"/> for <paramref name="to"/>.
    /// Returns an error if the write-back failed (the filesystem then withdraws).</summary>
    Errno Sync(LockState from, LockState to);

    /// <summary>Drops cached data; with <paramref name="metadata"/> (going to UN) cached metadata too, so it is re-read.</summary>
    void Invalidate(bool metadata);

    /// <summary>Re-reads the object (dinode, rgrp header) on the first grant after an invalidation.</summary>
    Errno Refresh();

    /// <summary>Called on every grant with the holder's state (inode: wait for direct I/O unless DF). Default: nothing.</summary>
    Errno Held(LockState holderState) => Errno.OK;

    /// <summary>Another node asked for a state this node's cached or held state blocks (called for glock types whose
    /// operations forward it: iopen, where it means "someone is trying to delete the inode"). Must not block.</summary>
    void RemoteDemoteRequested() { }
}
