using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Glocks;

/// <summary>
/// Per-type glock behaviour (gfs2's struct gfs2_glock_operations, fs/gfs2/glops.c): one sealed
/// singleton per <see cref="GlockType"/>. The engine calls a member only when the matching
/// <see cref="GlockOperationFlags"/> capability is set, and never while holding the glock's lock.
/// </summary>
public interface IGlockOperations
{
    GlockType Type { get; }

    /// <summary>Short name for dumps ("inode", "rgrp", ...).</summary>
    string Name { get; }

    GlockOperationFlags Flags { get; }

    /// <summary>
    /// Writes back what the node may no longer keep dirty, before the glock moves from its
    /// current state to <paramref name="target"/> (go_sync). Called on every transition. An error
    /// withdraws the filesystem: no invalidation and no lock-manager request follow.
    /// </summary>
    Errno Sync(Glock glock, LockState target);

    /// <summary>Drops caches the node may no longer trust when going to <paramref name="target"/> (UN or DF) (go_inval).</summary>
    void Invalidate(Glock glock, LockState target);

    /// <summary>Re-reads the protected object after an invalidation, before the first holder uses it (go_instantiate).
    /// An error fails the grant: the holder is dequeued and gets the error.</summary>
    Errno Instantiate(Glock glock);

    /// <summary>Runs for every granted holder unless it has <see cref="GlockHolderFlags.Skip"/> (go_held).
    /// An error fails the grant like <see cref="Instantiate"/>.</summary>
    Errno Held(GlockHolder holder);

    /// <summary>A demote was requested (<paramref name="remote"/>: by another node) (go_callback). Called under no lock; must not block.</summary>
    void Callback(Glock glock, bool remote);
}
