namespace ClusterFs.Fs.Glocks;

/// <summary>A clock that moves only when told to (tests: hold times without sleeps).</summary>
public sealed class ManualGlockClock : GlockClock
{
    private long _now = TimeSpan.TicksPerDay; // not 0, so "never changed" stamps stay distinguishable

    public override long NowTicks => Interlocked.Read(ref _now);

    /// <summary>Moves the clock forward by <paramref name="delta"/> and wakes delayed work.</summary>
    public void Advance(TimeSpan delta)
    {
        if (delta < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(delta), "a monotonic clock cannot go back");
        Interlocked.Add(ref _now, delta.Ticks);
        OnAdvanced();
    }
}
