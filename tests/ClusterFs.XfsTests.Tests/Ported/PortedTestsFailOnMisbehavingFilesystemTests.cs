using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Tests.Ported;

/// <summary>
/// The real ported tests, run on a local directory: they pass, and with a fault injected under them
/// (wrong bytes, short reads, a misplaced hole) they fail — so a pass on ClusterFs means something.
/// </summary>
public sealed class PortedTestsFailOnMisbehavingFilesystemTests : IDisposable
{
    private readonly string _mount = Directory.CreateTempSubdirectory("xfstests-ported.").FullName;

    public void Dispose() => Directory.Delete(_mount, recursive: true);

    private TestOutcome Run(string name, IPosixFaults? faults)
    {
        var target = TestTarget.Parse("mount:" + _mount);
        var test = TestRegistry.Discover(typeof(TestRunner).Assembly).Single(t => t.Name == name);
        var runner = new TestRunner(target, RepoPaths.XfsTestsDir, TimeSpan.FromSeconds(60));
        Posix.Faults.Value = faults; // async-local: flows into the runner's test thread only
        try
        {
            var task = Task.Run(() => runner.Run(test));
            Assert.True(task.Wait(TimeSpan.FromSeconds(90)), $"{name} did not finish");
            return task.Result;
        }
        finally { Posix.Faults.Value = null; }
    }

    [Theory]
    [InlineData("generic/014")]
    [InlineData("generic/130")]
    [InlineData("generic/285")]
    [InlineData("generic/647")]
    public void PassesOnACorrectFilesystem(string name)
    {
        var r = Run(name, null);
        Assert.True(r.Status == TestStatus.Passed, $"{r.Reason}\n{r.Diff}");
    }

    [Theory]
    [InlineData("generic/014", "flip", 7)]
    [InlineData("generic/014", "short", 5)]
    [InlineData("generic/130", "flip", 3)]
    [InlineData("generic/130", "short", 2)]
    [InlineData("generic/285", "seek", 2)]
    [InlineData("generic/428", "flip", 1)]
    [InlineData("generic/647", "flip", 1)]
    [InlineData("generic/647", "short", 1)]
    public void FailsWhenTheFilesystemMisbehaves(string name, string kind, int every)
    {
        var r = Run(name, new ReadFaults(kind, every));
        Assert.Equal(TestStatus.Failed, r.Status);
        Assert.NotNull(r.Diff);
    }

    [Fact]
    public void FsxTestFailsWithTheOperationLogInItsFullOutput()
    {
        var r = Run("generic/075", new ReadFaults("flip", 25));
        Assert.Equal(TestStatus.Failed, r.Status);
        Assert.Contains("READ BAD DATA", r.Full);
        Assert.Contains("LOG DUMP", r.Full);
    }
}
