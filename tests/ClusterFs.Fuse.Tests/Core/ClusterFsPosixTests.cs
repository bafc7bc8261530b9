namespace ClusterFs.Fuse.Tests.Core;

/// <summary>The POSIX conformance set against a real ClusterFs mount (fsck -n clean at teardown).</summary>
public sealed class ClusterFsPosixTests : PosixConformanceTests, IClassFixture<ClusterFsMount>
{
    public ClusterFsPosixTests(ClusterFsMount m) : base(m)
    {
    }
}
