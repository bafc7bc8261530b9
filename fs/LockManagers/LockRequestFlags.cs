namespace ClusterFs.Fs.LockManagers;

/// <summary>Flags passed with a state-change request to the lock manager (gfs2's LM_FLAG_*).</summary>
[Flags]
public enum LockRequestFlags : uint
{
    None = 0,
    /// <summary>Fail with <see cref="LockStatus.TryFailed"/> instead of waiting.</summary>
    Try = 0x1,
    /// <summary>Like Try, but send one blocking callback to the current holders first.</summary>
    TryOneCallback = 0x2,
    /// <summary>A journal-recovery request that proceeds while others are blocked (LM_FLAG_RECOVER/NOEXP).</summary>
    NoExpire = 0x4,
    /// <summary>SH may be granted as DF and DF as SH.</summary>
    Any = 0x8,
}
