namespace ClusterFs.Fs.Glocks;

/// <summary>Glock types with gfs2's LM_TYPE_* numbers (used as <see cref="LockManagers.LockName.Type"/>).</summary>
public enum GlockType : uint
{
    /// <summary>An inode's data and metadata (number = dinode block).</summary>
    Inode = 2,
    /// <summary>A resource group's bitmaps and header (number = rgrp header block).</summary>
    Rgrp = 3,
    /// <summary>Filesystem-wide metadata (gfs2's meta glock; not tied to an object).</summary>
    Meta = 4,
    /// <summary>Whether some node has an inode open (deferred delete of unlinked inodes).</summary>
    Iopen = 5,
    /// <summary>flock(2) locks (recursion by the same task is legal here).</summary>
    Flock = 6,
    /// <summary>Non-disk locks: rename, freeze, mount.</summary>
    Nondisk = 9,
    /// <summary>A node's journal (number = journal id): held EX by its owner, taken by recovery.</summary>
    Journal = 10,
}
