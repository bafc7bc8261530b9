namespace ClusterFs.Fs.Format;

/// <summary>A time as seconds and nanoseconds since the Unix epoch, as stored in a dinode.</summary>
public readonly record struct Timestamp(long Seconds, uint Nanoseconds)
{
    /// <summary>The current wall-clock time (100 ns resolution).</summary>
    public static Timestamp Now
    {
        get
        {
            long ticks = DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks;
            return new Timestamp(ticks / TimeSpan.TicksPerSecond, (uint)(ticks % TimeSpan.TicksPerSecond * 100));
        }
    }
}
