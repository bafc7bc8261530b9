namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>One etcd key-value pair as the v3 API reports it (keys and values decoded from base64 as UTF-8).</summary>
internal sealed record EtcdKeyValue(string Key, string Value, long CreateRevision, long ModRevision, long Version, long Lease);
