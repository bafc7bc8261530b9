namespace ClusterFs.Fs.Files;

/// <summary>
/// Process-wide switches that restore the unfixed gfs2 behaviour, for tests that prove the fixes matter. Never
/// set outside tests. Read once per file operation.
/// </summary>
public static class IoDebugSwitches
{
    private static volatile bool s_faultsUnderGlock;

    /// <summary>
    /// True: buffered reads and writes copy with page faults ENABLED while holding the inode glock and never drop
    /// it to fault in (pre-5.16 gfs2). A read into a mapping of the same file then recurses into the glock
    /// (EDEADLK, reported instead of gfs2's BUG), and two nodes copying from mappings of each other's files
    /// deadlock (ABBA).
    /// </summary>
    public static bool FaultsUnderGlock
    {
        get => s_faultsUnderGlock;
        set => s_faultsUnderGlock = value;
    }

    private static volatile bool s_gupFastOnly;

    /// <summary>True: direct I/O gets user pages with FastOnly instead of NoFault (the generic/208 livelock: the
    /// retry loop makes no progress on zero-page PTEs until its cap).</summary>
    public static bool GupFastOnly
    {
        get => s_gupFastOnly;
        set => s_gupFastOnly = value;
    }

    private static volatile DirectIoTrace? s_directTrace;

    /// <summary>When set, every O_DIRECT read and write of the file operations records into this trace (counters
    /// accumulate; callers serialise their direct calls), so process-level tests can see the retry rounds.</summary>
    public static DirectIoTrace? DirectTrace
    {
        get => s_directTrace;
        set => s_directTrace = value;
    }

    /// <summary>The direct-I/O engine's view of the switches.</summary>
    internal static DirectIoUnfixedModes DirectModes =>
        (FaultsUnderGlock ? DirectIoUnfixedModes.FaultsUnderGlock : DirectIoUnfixedModes.None) |
        (GupFastOnly ? DirectIoUnfixedModes.GupFastOnly : DirectIoUnfixedModes.None);

    /// <summary>Test hook run by the unfixed write path right after it took the inode glock, before it touches
    /// user memory (tests line two nodes up at that point so the cross-node ABBA deadlock is certain).</summary>
    public static Action<Inodes.Inode>? AfterUnfixedGlock { get; set; }
}
