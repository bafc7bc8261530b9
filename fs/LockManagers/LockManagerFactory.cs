using System.Globalization;
using ClusterFs.Fs.LockManagers.Etcd;
using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers;

/// <summary>Turns a lock-manager specification from the command line or superblock into a manager.</summary>
public static class LockManagerFactory
{
    /// <summary>
    /// Parses <paramref name="spec"/>: "nolock" (or "lock_nolock") gives a <see cref="NoLockManager"/>;
    /// "etcd://HOST:PORT" (optionally "?ttl=SECONDS") gives an <see cref="EtcdLockManager"/> (nothing is
    /// contacted until Mount). Returns OK and the manager (the caller disposes it), or EINVAL for a malformed
    /// or unknown specification, with <paramref name="error"/> saying why.
    /// </summary>
    public static Errno TryCreate(string spec, out ILockManager? manager, out string error)
    {
        manager = null;
        error = "";
        if (string.IsNullOrWhiteSpace(spec))
        {
            error = "empty lock manager specification (expected \"nolock\" or \"etcd://HOST:PORT\")";
            return Errno.EINVAL;
        }
        if (spec is "nolock" or "lock_nolock")
        {
            manager = new NoLockManager();
            return Errno.OK;
        }
        if (spec.StartsWith("etcd://", StringComparison.Ordinal)) return TryCreateEtcd(spec, out manager, out error);
        error = $"unknown lock manager \"{spec}\" (expected \"nolock\" or \"etcd://HOST:PORT\")";
        return Errno.EINVAL;
    }

    private static Errno TryCreateEtcd(string spec, out ILockManager? manager, out string error)
    {
        manager = null;
        error = "";
        if (!Uri.TryCreate(spec, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || uri.IsDefaultPort || uri.Port <= 0
            || uri.AbsolutePath is not ("" or "/") || uri.UserInfo.Length != 0 || uri.Fragment.Length != 0)
        {
            error = $"malformed etcd lock manager URL \"{spec}\" (expected etcd://HOST:PORT[?ttl=SECONDS])";
            return Errno.EINVAL;
        }
        var options = new EtcdLockManagerOptions(new Uri($"http://{uri.Authority}/"));
        string query = uri.Query.TrimStart('?');
        if (query.Length != 0)
        {
            if (!query.StartsWith("ttl=", StringComparison.Ordinal)
                || !int.TryParse(query.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int ttl) || ttl < 2 || ttl > 3600)
            {
                error = $"bad option in \"{spec}\": only ttl=SECONDS (2..3600) is understood";
                return Errno.EINVAL;
            }
            options = options with { LeaseTtlSeconds = ttl };
        }
        manager = new EtcdLockManager(options);
        return Errno.OK;
    }
}
