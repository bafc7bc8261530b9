using ClusterFs.Fs.LockManagers;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Fs.Node;

/// <summary>How <see cref="FsNode.Mount"/> mounts a node.</summary>
public sealed record NodeOptions
{
    /// <summary>The lock manager (one per node). Null: a fresh <see cref="NoLockManager"/> (single node).</summary>
    public ILockManager? LockManager { get; init; }

    /// <summary>Journal to use, or -1 for the one the lock manager assigns.</summary>
    public int Journal { get; init; } = -1;

    /// <summary>Node name for the glock worker and dumps.</summary>
    public string Name { get; init; } = "node";

    /// <summary>Minimum glock hold time before a remote demote (tests use zero for fast ping-pong).</summary>
    public TimeSpan MinHoldTime { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Dispose the device at unmount.</summary>
    public bool OwnsDevice { get; init; }

    public ILogger? Logger { get; init; }
}
