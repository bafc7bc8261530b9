using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Tests.Harness;

public sealed class CheckCommandTests : IDisposable
{
    private readonly HarnessFixture _f = new();
    private readonly IReadOnlyList<TestDescriptor> _tests;

    public CheckCommandTests()
    {
        _f.Golden("generic/001", "QA output created by 001\ngood\n");
        _f.Golden("generic/002", "QA output created by 002\ngood\n");
        _tests =
        [
            FakeTest.Describe("generic/001", "auto quick", ctx => ctx.Out.WriteLine("good")),
            FakeTest.Describe("generic/002", "auto", ctx => { ctx.Out.WriteLine("bad"); ctx.Full.WriteLine("details"); }),
            FakeTest.Describe("generic/208", "auto quick", _ => { }, requires: TargetFeatures.InProcess),
        ];
    }

    public void Dispose() => _f.Dispose();

    private (int Rc, string Text) Check(params string[] args)
    {
        var console = new StringWriter { NewLine = "\n" };
        int rc = CheckCommand.Run(_f.Args(args), _tests, console);
        return (rc, console.ToString());
    }

    [Fact]
    public void AllPassingExitsZeroAndEndsWithTheCountLine()
    {
        var (rc, text) = Check("-g", "quick");
        Assert.Equal(0, rc);
        Assert.Contains("Ran: generic/001\n", text);
        Assert.Contains("Not run: generic/208\n", text);
        Assert.Contains("Passed all 1 tests\n", text);
        Assert.EndsWith("1 passed, 0 failed, 1 skipped\n", text);
    }

    [Fact]
    public void AFailureExitsNonZeroAndWritesOutBadDiffAndFull()
    {
        var (rc, text) = Check("-g", "auto");
        Assert.Equal(1, rc);
        Assert.Contains("Failures: generic/002\n", text);
        Assert.Contains("Failed 1 of 2 tests\n", text);
        Assert.EndsWith("1 passed, 1 failed, 1 skipped\n", text);
        string stem = Path.Combine(_f.ResultsDir, "generic", "002");
        Assert.Equal("QA output created by 002\nbad\n", File.ReadAllText(stem + ".out.bad"));
        Assert.Contains("-good\n+bad\n", File.ReadAllText(stem + ".diff"));
        Assert.Equal("details\n", File.ReadAllText(stem + ".full"));
        Assert.Contains("    +bad", text); // the head of the diff is shown in the progress
        Assert.Contains("Failures: generic/002\n", File.ReadAllText(Path.Combine(_f.ResultsDir, "check.log")));
    }

    [Fact]
    public void NotRunWritesTheReasonFile()
    {
        Check("generic/208");
        Assert.Equal("needs the in-process target (user-memory model)\n",
            File.ReadAllText(Path.Combine(_f.ResultsDir, "generic", "208.notrun")));
    }

    [Fact]
    public void APassingRerunRemovesStaleFailureFiles()
    {
        Check("generic/002");
        _f.Golden("generic/002", "QA output created by 002\nbad\n");
        var (rc, _) = Check("generic/002");
        Assert.Equal(0, rc);
        Assert.False(File.Exists(Path.Combine(_f.ResultsDir, "generic", "002.out.bad")));
    }

    [Fact]
    public void BadUsageExitsTwo()
    {
        Assert.Equal(2, Check("--bogus").Rc);
        Assert.Equal(2, Check("-g", "nosuchgroup").Rc);
        var console = new StringWriter();
        Assert.Equal(2, CheckCommand.Run(["--target", "mount:/nonexistent/dir", "001"], _tests, console));
    }

    [Fact]
    public void InprocTargetRunsOnlyInProcessTests()
    {
        var console = new StringWriter { NewLine = "\n" };
        _f.Golden("generic/208", "QA output created by 208\n");
        int rc = CheckCommand.Run(["--target", "inproc", "--tests-dir", _f.TestsDir, "--results", _f.ResultsDir, "-g", "auto"], _tests, console);
        Assert.Equal(0, rc);
        Assert.EndsWith("1 passed, 0 failed, 2 skipped\n", console.ToString());
    }

    [Fact]
    public void MaskedFeatureMakesTestsNeedingItNotRunWithTheReason()
    {
        var console = new StringWriter { NewLine = "\n" };
        IReadOnlyList<TestDescriptor> tests =
            [FakeTest.Describe("generic/091", "auto", _ => { }, requires: TargetFeatures.Paths | TargetFeatures.DirectIo)];
        int rc = CheckCommand.Run(_f.Args("--without", "DirectIo,mmap", "generic/091"), tests, console);
        Assert.Equal(0, rc);
        Assert.Contains("generic/091  [not run] O_DIRECT is not supported by the target", console.ToString());
        Assert.Equal(2, CheckCommand.Run(_f.Args("--without", "Paths", "generic/091"), tests, new StringWriter()));
    }
}
