namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>One watch event: a put (create or update) or a delete of <see cref="Kv"/>.Key at <see cref="EtcdKeyValue.ModRevision"/>.</summary>
internal sealed record EtcdEvent(bool IsDelete, EtcdKeyValue Kv);
