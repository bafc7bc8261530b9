namespace ClusterFs.Fs.Glocks;

/// <summary>Settings of a <see cref="GlockTable"/>.</summary>
public sealed class GlockTableOptions
{
    /// <summary>Minimum hold time before a remote demote of a glock type with
    /// <see cref="GlockOperationFlags.MinHoldTime"/> (gfs2's gl_hold_time, HZ/5). Default 200 ms.</summary>
    public TimeSpan MinHoldTime { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Time source (tests: <see cref="ManualGlockClock"/>).</summary>
    public GlockClock Clock { get; init; } = SystemGlockClock.Instance;

    /// <summary>A name for the worker thread and dumps (e.g. the node name).</summary>
    public string NodeName { get; init; } = "node";
}
