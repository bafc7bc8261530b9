using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Tests.Harness;

public sealed class TargetTests
{
    [Fact]
    public void MountTargetOnALocalDirectoryOffersPathsAndLeavesNoProbeBehind()
    {
        using var f = new HarnessFixture();
        var t = TestTarget.Parse("mount:" + f.Mount);
        Assert.True(t.Features.HasFlag(TargetFeatures.Paths));
        Assert.False(t.Features.HasFlag(TargetFeatures.InProcess));
        Assert.Empty(Directory.GetFileSystemEntries(f.Mount));
    }

    [Fact]
    public void InprocTargetOffersOnlyTheInProcessModel() =>
        Assert.Equal(TargetFeatures.InProcess, TestTarget.Parse("inproc").Features);

    [Theory]
    [InlineData("nfs:/x")]
    [InlineData("mount:")]
    [InlineData("mount:/definitely/not/here")]
    public void BadTargetSpecsAreRejected(string spec) => Assert.Throws<ArgumentException>(() => TestTarget.Parse(spec));

    [Fact]
    public void MissingFeatureReasonNamesTheFeature()
    {
        Assert.Null(TargetFeaturesText.WhyMissing(TargetFeatures.Paths, TargetFeatures.Paths | TargetFeatures.Mmap));
        Assert.Equal("O_DIRECT is not supported by the target",
            TargetFeaturesText.WhyMissing(TargetFeatures.Paths | TargetFeatures.DirectIo, TargetFeatures.Paths));
    }
}
