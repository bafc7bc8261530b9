using System.Diagnostics;

namespace ClusterFs.Fs.Glocks;

/// <summary>The real monotonic clock (Stopwatch).</summary>
public sealed class SystemGlockClock : GlockClock
{
    public static SystemGlockClock Instance { get; } = new();

    private SystemGlockClock() { }

    public override long NowTicks => (long)(Stopwatch.GetTimestamp() * s_ticksPerTimestamp);

    private static readonly double s_ticksPerTimestamp = (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency;
}
