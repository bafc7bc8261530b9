namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>A test that needs the private etcd; skipped only when ETCD_TESTS=skip (otherwise a missing etcd fails it).</summary>
public sealed class EtcdFactAttribute : FactAttribute
{
    public static bool SkipAll => Environment.GetEnvironmentVariable("ETCD_TESTS") == "skip";

    public EtcdFactAttribute()
    {
        if (SkipAll) Skip = "ETCD_TESTS=skip";
    }
}
