namespace ClusterFs.Fs.Glocks;

/// <summary>
/// Capabilities of a glock type (gfs2's go_* presence and GLOF_* flags). The engine tests these,
/// never the type itself.
/// </summary>
[Flags]
public enum GlockOperationFlags
{
    None = 0,
    /// <summary><see cref="IGlockOperations.Sync"/> runs before every state change.</summary>
    Sync = 0x1,
    /// <summary><see cref="IGlockOperations.Invalidate"/> runs when the target is UN or DF.</summary>
    Invalidate = 0x2,
    /// <summary><see cref="IGlockOperations.Instantiate"/> runs on the first grant after creation or invalidation to UN.</summary>
    Instantiate = 0x4,
    /// <summary><see cref="IGlockOperations.Held"/> runs on every grant.</summary>
    Held = 0x8,
    /// <summary>Remote demotes wait for the minimum hold time (gfs2 does this for inode glocks only).</summary>
    MinHoldTime = 0x10,
    /// <summary>The same task may hold the glock several times (flock glocks): no recursion trap.</summary>
    Recursive = 0x20,
    /// <summary><see cref="IGlockOperations.Callback"/> runs on every demote request.</summary>
    Callback = 0x40,
}
