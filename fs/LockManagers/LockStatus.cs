namespace ClusterFs.Fs.LockManagers;

/// <summary>How a lock-manager request ended.</summary>
public enum LockStatus : byte
{
    Granted = 0,
    /// <summary>A Try request could not be granted at once (gfs2's GLR_TRYFAILED).</summary>
    TryFailed = 1,
    /// <summary>The request was cancelled through <see cref="ILockManager.Cancel"/>.</summary>
    Canceled = 2,
    /// <summary>The lock manager failed (node withdrawn, cluster unreachable): the glock layer reports EIO.</summary>
    Error = 3,
}
