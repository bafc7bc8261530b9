namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>A range read: the key-values found and the store revision it was read at.</summary>
internal sealed record EtcdRangeResult(long Revision, IReadOnlyList<EtcdKeyValue> Kvs);
