namespace ClusterFs.Fuse.Tests;

/// <summary>The fsx-style model test against <see cref="Doubles.MemoryFs"/>.</summary>
public sealed class MemoryFsFsxTests : FsxModelConformanceTests, IClassFixture<MemoryFsMount>
{
    public MemoryFsFsxTests(MemoryFsMount m) : base(m)
    {
    }
}
