namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>All etcd tests share one private etcd server (and run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class EtcdCollection : ICollectionFixture<EtcdFixture>
{
    public const string Name = "etcd";
}
