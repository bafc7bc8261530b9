namespace ClusterFs.Fuse;

/// <summary>Options of a <see cref="FuseMount"/>: the session, the loop, and the unmount waits.</summary>
public sealed class FuseMountOptions
{
    public FuseSessionOptions Session { get; init; } = new();
    public FuseLoopOptions Loop { get; init; } = new();
    /// <summary>After a lazy unmount of a busy mount, how long open files may keep being served before the connection is aborted.</summary>
    public TimeSpan BusyDrainTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>How long to wait for the loop to end once the kernel side is gone.</summary>
    public TimeSpan LoopExitTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
