namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// A txn's outcome: whether the comparisons held, the store revision after it (if the txn changed nothing, the
/// unchanged store-wide revision), the key-values read by its range ops, and how many keys its deletes removed.
/// </summary>
internal sealed record EtcdTxnResult(bool Succeeded, long Revision, IReadOnlyList<EtcdKeyValue> Read, long Deleted = 0);
