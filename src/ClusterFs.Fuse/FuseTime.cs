namespace ClusterFs.Fuse;

/// <summary>A <c>struct timespec</c>: seconds and nanoseconds since the Unix epoch.</summary>
public readonly record struct FuseTime(long Seconds, long Nanoseconds)
{
    /// <summary>The current wall-clock time.</summary>
    public static FuseTime Now
    {
        get
        {
            long ticks = DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks;
            return new FuseTime(ticks / TimeSpan.TicksPerSecond, ticks % TimeSpan.TicksPerSecond * 100);
        }
    }
}
