namespace ClusterFs.Fs.Glocks;

/// <summary>Holder flags with gfs2's values (LM_FLAG_* and GL_*, fs/gfs2/glock.h).</summary>
[Flags]
public enum GlockHolderFlags : uint
{
    None = 0,
    /// <summary>Do not wait: fail with <see cref="GlockResult.TryFailed"/> (GLR_TRYFAILED).</summary>
    Try = 0x0001,
    /// <summary>Like <see cref="Try"/>, but the lock manager sends one blocking callback to the holders first.</summary>
    TryOneCallback = 0x0002,
    /// <summary>Journal recovery: proceeds after a withdraw and while recovery blocks others.</summary>
    NoExpire = 0x0004,
    /// <summary>A SH request may be granted as DF (and DF as SH); also served by any cached non-UN state.</summary>
    Any = 0x0008,
    /// <summary><see cref="GlockHolder.Nq"/> returns at once; call <see cref="GlockHolder.Wait()"/> later.</summary>
    Async = 0x0040,
    /// <summary>Grant only in exactly the requested state (no "cached EX serves SH").</summary>
    Exact = 0x0080,
    /// <summary>Skip Instantiate and Held on grant.</summary>
    Skip = 0x0100,
    /// <summary>Holder not tied to a task: once granted, ignored by the recursion trap.</summary>
    NoPid = 0x0200,
    /// <summary>On release, demote the glock to UN instead of caching it.</summary>
    NoCache = 0x0400,
    /// <summary>Grant only if grantable now with no waiters; otherwise -ECHILD. Never blocks.</summary>
    NoBlock = 0x0800,
}
