namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>A txn's outcome: whether the comparisons held, the store revision after it, and the key-values read by its range ops.</summary>
internal sealed record EtcdTxnResult(bool Succeeded, long Revision, IReadOnlyList<EtcdKeyValue> Read);
