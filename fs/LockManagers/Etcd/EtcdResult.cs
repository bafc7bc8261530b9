using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// The outcome of one etcd call: <see cref="Error"/> is OK and <see cref="Value"/> set, or an errno
/// (ETIMEDOUT when etcd did not answer in time, EIO for any other failure) with a one-line message.
/// </summary>
internal readonly record struct EtcdResult<T>(Errno Error, T? Value, string Message)
{
    public bool IsOk => Error.IsOk;

    public static EtcdResult<T> Ok(T value) => new(Errno.OK, value, "");

    public static EtcdResult<T> Fail(Errno error, string message) => new(error, default, message);

    /// <summary>Carries this failure over to a result of another type.</summary>
    public EtcdResult<TOther> As<TOther>() => new(Error, default, Message);
}
