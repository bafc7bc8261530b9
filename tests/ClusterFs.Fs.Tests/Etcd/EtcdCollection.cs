namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>All etcd tests share one private etcd server and run one after another, with no other collection
/// running beside them: their leases are short, and CPU starvation from parallel tests could make a healthy node
/// miss its keep-alive deadline and fence itself.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EtcdCollection : ICollectionFixture<EtcdFixture>
{
    public const string Name = "etcd";
}
