using ClusterFs.Iov;

namespace ClusterFs.Fs.Glocks;

/// <summary>
/// The result of an enqueue or wait, with gfs2_glock_nq's convention: 0 (granted),
/// <see cref="TryFailed"/> (GLR_TRYFAILED = +13: a try lock not granted; not an error), or -errno.
/// </summary>
public readonly record struct GlockResult
{
    private const int TryFailedValue = 13;

    private GlockResult(int value) => Value = value;

    /// <summary>The kernel-style integer: 0, 13 (GLR_TRYFAILED), or -errno.</summary>
    public int Value { get; }

    public static GlockResult Ok => default;

    /// <summary>A TRY/TRY_1CB request that could not be granted at once.</summary>
    public static GlockResult TryFailed => new(TryFailedValue);

    /// <summary>An error result (-errno). <paramref name="errno"/> must not be OK.</summary>
    public static GlockResult FromErrno(Errno errno) =>
        errno.IsOk ? throw new ArgumentException("an error result needs a non-zero errno", nameof(errno)) : new(-errno.Value);

    public bool IsOk => Value == 0;
    public bool IsTryFailed => Value == TryFailedValue;

    /// <summary>The errno of an error result; OK for success and for <see cref="TryFailed"/>.</summary>
    public Errno Errno => Value < 0 ? new Errno(-Value) : Errno.OK;

    public override string ToString() => Value switch
    {
        0 => "OK",
        TryFailedValue => "GLR_TRYFAILED",
        _ => "-" + Errno,
    };
}
