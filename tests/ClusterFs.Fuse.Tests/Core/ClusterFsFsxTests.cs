namespace ClusterFs.Fuse.Tests.Core;

/// <summary>The fsx-style model test against a real ClusterFs mount (fsck -n clean at teardown).</summary>
public sealed class ClusterFsFsxTests : FsxModelConformanceTests, IClassFixture<ClusterFsMount>
{
    public ClusterFsFsxTests(ClusterFsMount m) : base(m)
    {
    }
}
