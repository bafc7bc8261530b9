namespace ClusterFs.Fuse;

/// <summary>Configuration of libfuse's multi-threaded loop (<c>fuse_loop_config</c>).</summary>
public sealed class FuseLoopOptions
{
    /// <summary>Give each worker its own cloned /dev/fuse descriptor (FUSE_DEV_IOC_CLONE).</summary>
    public bool CloneFd { get; init; }
    /// <summary>The thread cap: libfuse starts workers on demand up to this many.</summary>
    public int MaxThreads { get; init; } = 10;
    /// <summary>Idle workers kept before extra ones exit; null keeps them all (libfuse's default, and cheapest).</summary>
    public int? MaxIdleThreads { get; init; }
}
