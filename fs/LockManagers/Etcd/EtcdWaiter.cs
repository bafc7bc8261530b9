namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>A queued request as seen in etcd: the state wanted, its flags, and its create revision (its place in the queue).</summary>
internal readonly record struct EtcdWaiter(LockState Wanted, LockRequestFlags Flags, long Revision)
{
    /// <summary>Plain Try requests send no blocking callback (the DLM's NOQUEUEBAST); TryOneCallback ones do.</summary>
    public bool WantsCallback => (Flags & LockRequestFlags.Try) == 0;

    /// <summary>Try and TryOneCallback requests fail instead of waiting: they leave the queue at once.</summary>
    public bool IsTry => (Flags & (LockRequestFlags.Try | LockRequestFlags.TryOneCallback)) != 0;

    public static string Encode(LockState wanted, LockRequestFlags flags) => $"{(byte)wanted}:{(uint)flags}";

    public static bool TryDecode(string value, long revision, out EtcdWaiter waiter)
    {
        waiter = default;
        int colon = value.IndexOf(':');
        if (colon < 0 || !byte.TryParse(value.AsSpan(0, colon), out byte s) || s > 3
            || !uint.TryParse(value.AsSpan(colon + 1), out uint f)) return false;
        waiter = new EtcdWaiter((LockState)s, (LockRequestFlags)f, revision);
        return true;
    }
}
