namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>A counter shared by the nodes of one test: callbacks take increasing numbers, which order them across nodes.</summary>
public sealed class EventClock
{
    private long _now;

    public long Next() => Interlocked.Increment(ref _now);
}
