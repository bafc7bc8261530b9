namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>One txn operation: a put (optionally bound to a lease), a delete, or a range read of [Key, RangeEnd).</summary>
internal sealed record EtcdOp(string Kind, string Key, string? Value = null, long Lease = 0, string? RangeEnd = null)
{
    public static EtcdOp Put(string key, string value, long lease = 0) => new("put", key, value, lease);

    public static EtcdOp Delete(string key, string? rangeEnd = null) => new("delete", key, RangeEnd: rangeEnd);

    public static EtcdOp Range(string key, string? rangeEnd = null) => new("range", key, RangeEnd: rangeEnd);
}
