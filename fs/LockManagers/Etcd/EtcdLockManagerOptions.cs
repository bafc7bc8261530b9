namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// Settings of an <see cref="EtcdLockManager"/>. The self-fencing rule: a node withdraws once its last
/// successful keep-alive was sent more than <see cref="LeaseTtl"/> minus <see cref="SafetyMargin"/> ago,
/// while etcd only expires the lease (and so frees the node's locks) a full TTL after that keep-alive.
/// </summary>
public sealed record EtcdLockManagerOptions(Uri Endpoint)
{
    /// <summary>Lease TTL: how long a silent node keeps its locks (whole seconds, etcd's granularity; at least 2).</summary>
    public int LeaseTtlSeconds { get; init; } = 10;

    /// <summary>How much earlier than the lease expiry a node that cannot renew withdraws (clock drift, scheduling delays).</summary>
    public TimeSpan? SafetyMargin { get; init; }

    /// <summary>Deadline of one etcd call (mount, lock requests); an unreachable etcd is reported as ETIMEDOUT/EIO after at most this.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(3);

    internal TimeSpan LeaseTtl => TimeSpan.FromSeconds(LeaseTtlSeconds);

    internal TimeSpan EffectiveMargin => SafetyMargin ?? LeaseTtl / 3;

    /// <summary>Keep-alives are sent this often, so several may fail before the node must withdraw.</summary>
    internal TimeSpan KeepAliveInterval => (LeaseTtl - EffectiveMargin) / 4;
}
