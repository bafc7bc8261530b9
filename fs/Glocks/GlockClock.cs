namespace ClusterFs.Fs.Glocks;

/// <summary>
/// Time source for hold times, delayed demote work and statistics. <see cref="SystemGlockClock"/>
/// in production; tests use <see cref="ManualGlockClock"/> so hold times pass without sleeping.
/// </summary>
public abstract class GlockClock
{
    /// <summary>Monotonic time in <see cref="TimeSpan"/> ticks (100 ns).</summary>
    public abstract long NowTicks { get; }

    /// <summary>Raised after a manual clock moved forward, so delayed work re-checks its deadline.</summary>
    public event Action? Advanced;

    /// <summary>Raises <see cref="Advanced"/>.</summary>
    protected void OnAdvanced() => Advanced?.Invoke();
}
