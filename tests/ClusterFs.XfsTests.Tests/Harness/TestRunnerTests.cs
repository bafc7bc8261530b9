using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Tests.Harness;

public sealed class TestRunnerTests : IDisposable
{
    private readonly HarnessFixture _f = new();

    public void Dispose() => _f.Dispose();

    private TestOutcome RunBounded(TestDescriptor test, TimeSpan? timeout = null)
    {
        var runner = new TestRunner(TestTarget.Parse("mount:" + _f.Mount), _f.TestsDir, timeout);
        var task = Task.Run(() => runner.Run(test));
        Assert.True(task.Wait(TimeSpan.FromSeconds(60)), "the runner itself hung");
        return task.Result;
    }

    [Fact]
    public void OutputEqualToGoldenPasses()
    {
        _f.Golden("generic/001", "QA output created by 001\nhello\n");
        var r = RunBounded(FakeTest.Describe("generic/001", "auto", ctx => ctx.Out.WriteLine("hello")));
        Assert.Equal(TestStatus.Passed, r.Status);
        Assert.Null(r.Diff);
    }

    [Fact]
    public void OutputDifferentFromGoldenFailsWithUnifiedDiff()
    {
        _f.Golden("generic/002", "QA output created by 002\nexpected line\n");
        var r = RunBounded(FakeTest.Describe("generic/002", "auto", ctx => ctx.Out.WriteLine("actual line")));
        Assert.Equal(TestStatus.Failed, r.Status);
        Assert.Contains("-expected line", r.Diff);
        Assert.Contains("+actual line", r.Diff);
        Assert.Equal("QA output created by 002\nactual line\n", r.Output);
    }

    [Fact]
    public void MissingTargetFeatureIsNotRunWithReasonAndTestNeverRuns()
    {
        bool ran = false;
        var r = RunBounded(FakeTest.Describe("generic/647", "auto", _ => ran = true, requires: TargetFeatures.InProcess));
        Assert.Equal(TestStatus.NotRun, r.Status);
        Assert.Equal("needs the in-process target (user-memory model)", r.Reason);
        Assert.False(ran);
    }

    [Fact]
    public void TestCallingNotRunIsNotRunWithItsReason()
    {
        var r = RunBounded(FakeTest.Describe("generic/003", "auto", _ => throw TestContext.NotRun("no widgets")));
        Assert.Equal(TestStatus.NotRun, r.Status);
        Assert.Equal("no widgets", r.Reason);
    }

    [Fact]
    public void ExceptionFailsTheTestAndIsShownInItsOutput()
    {
        _f.Golden("generic/004", "QA output created by 004\n");
        var r = RunBounded(FakeTest.Describe("generic/004", "auto", _ => throw new InvalidOperationException("boom")));
        Assert.Equal(TestStatus.Failed, r.Status);
        Assert.Contains("boom", r.Reason);
        Assert.Contains("boom", r.Output);
    }

    [Fact]
    public void HungTestFailsAfterItsBoundAndTheRunContinues()
    {
        _f.Golden("generic/005", "QA output created by 005\n");
        using var release = new ManualResetEventSlim();
        try
        {
            // Ignores cancellation entirely: only the harness's bound ends it.
            var r = RunBounded(FakeTest.Describe("generic/005", "auto", _ => release.Wait(TimeSpan.FromMinutes(5))), TimeSpan.FromSeconds(1));
            Assert.Equal(TestStatus.Failed, r.Status);
            Assert.Contains("timed out", r.Reason);
        }
        finally { release.Set(); }
    }

    [Fact]
    public void CooperativeTestSeesCancellationWhenItsBoundExpires()
    {
        _f.Golden("generic/006", "QA output created by 006\n");
        bool cancelled = false;
        var r = RunBounded(FakeTest.Describe("generic/006", "auto",
            ctx => cancelled = ctx.Cancellation.WaitHandle.WaitOne(TimeSpan.FromSeconds(30))), TimeSpan.FromSeconds(1));
        Assert.Equal(TestStatus.Failed, r.Status);
        Assert.True(cancelled);
    }

    [Fact]
    public void EachTestGetsAFreshScratchDirectoryRemovedAfterwards()
    {
        _f.Golden("generic/007", "QA output created by 007\n");
        string? seen = null;
        bool emptyAtStart = false;
        var r = RunBounded(FakeTest.Describe("generic/007", "auto", ctx =>
        {
            seen = ctx.ScratchDir;
            emptyAtStart = Directory.GetFileSystemEntries(seen).Length == 0;
            Directory.CreateDirectory(ctx.PathOf("d/e"));
            File.WriteAllText(ctx.PathOf("d/e/f"), "x");
        }));
        Assert.Equal(TestStatus.Passed, r.Status);
        Assert.True(emptyAtStart);
        Assert.StartsWith(_f.Mount, seen);
        Assert.False(Directory.Exists(seen));
    }

    [Fact]
    public void MissingGoldenOutputIsAFailure()
    {
        var r = RunBounded(FakeTest.Describe("generic/008", "auto", ctx => ctx.Out.WriteLine("x")));
        Assert.Equal(TestStatus.Failed, r.Status);
        Assert.Contains("no golden output", r.Reason);
    }

    [Fact]
    public void FilterReplacesTheScratchPathSoOutputIsTargetIndependent()
    {
        _f.Golden("generic/009", "QA output created by 009\nSCRATCH_MNT/file\n");
        var r = RunBounded(FakeTest.Describe("generic/009", "auto", ctx => ctx.Out.WriteLine(ctx.Filter(ctx.PathOf("file")))));
        Assert.Equal(TestStatus.Passed, r.Status);
    }

    [Fact]
    public void UnusableTargetDirectoryFailsTheTestInsteadOfTheRun()
    {
        var target = TestTarget.Parse("mount:" + _f.Mount);
        // A file where the scratch directory must go: creating it fails.
        File.WriteAllText(Path.Combine(_f.Mount, $"xfstests-lite.{Environment.ProcessId}.generic-010"), "");
        var r = new TestRunner(target, _f.TestsDir).Run(FakeTest.Describe("generic/010", "auto", _ => { }));
        Assert.Equal(TestStatus.Failed, r.Status);
        Assert.Contains("cannot create the scratch directory", r.Reason);
    }
}
