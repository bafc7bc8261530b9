using ClusterFs.Fs.Api;
using ClusterFs.Fs.Files;
using ClusterFs.Iov;
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Tests.Harness;

/// <summary>The in-process target: a fresh mounted image per test, unmounted and fsck'd afterwards.</summary>
public sealed class InprocTargetTests : IDisposable
{
    private readonly HarnessFixture _f = new();
    private readonly InprocTarget _target = (InprocTarget)TestTarget.Parse("inproc");

    public void Dispose() => _f.Dispose();

    private TestOutcome RunBounded(TestDescriptor test, string? testsDir = null)
    {
        var runner = new TestRunner(_target, testsDir ?? _f.TestsDir, TimeSpan.FromSeconds(60));
        var task = Task.Run(() => runner.Run(test));
        Assert.True(task.Wait(TimeSpan.FromSeconds(90)), "the runner itself hung");
        return task.Result;
    }

    private TestDescriptor InProcess(string name, Action<TestContext> body)
    {
        _f.Golden(name, $"QA output created by {name[^3..]}\n");
        return FakeTest.Describe(name, "auto", body, requires: TargetFeatures.InProcess);
    }

    [Fact]
    public void EachTestGetsAFreshMountedFilesystemThatIsUnmountedAfterwards()
    {
        long first = -1, second = -1;
        var r1 = RunBounded(InProcess("generic/901", ctx =>
        {
            var p = ((InprocTarget)ctx.Target).Process;
            first = p.Open("/left-behind", OpenFlags.Create | OpenFlags.ReadWrite);
            Assert.Equal(5, p.Pwrite((int)first, new byte[5], 0));
        }));
        var r2 = RunBounded(InProcess("generic/902", ctx =>
            second = ((InprocTarget)ctx.Target).Process.Open("/left-behind", OpenFlags.ReadWrite)));
        Assert.True(r1.Status == TestStatus.Passed, r1.Reason);
        Assert.True(r2.Status == TestStatus.Passed, r2.Reason);
        Assert.True(first >= 0);
        Assert.Equal(Errno.ENOENT.Negative, second);
        Assert.Throws<InvalidOperationException>(() => _target.Process);
    }

    [Fact]
    public void CorruptImageFoundAfterTheTestFailsIt()
    {
        var r = RunBounded(InProcess("generic/903", ctx =>
        {
            var t = (InprocTarget)ctx.Target;
            int fd = (int)t.Process.Open("/f", OpenFlags.Create | OpenFlags.ReadWrite);
            Assert.Equal(4096, t.Process.Pwrite(fd, new byte[4096], 0));
            Assert.Equal(Errno.OK, t.Process.Fsync(fd));
            // Clobber the superblock (block 0) behind the filesystem's back.
            Assert.Equal(Errno.OK, t.Device.Write(0, new byte[4096]));
        }));
        Assert.Equal(TestStatus.Failed, r.Status);
        Assert.StartsWith("after the test:", r.Reason);
        Assert.Contains("scratch cleanup failed", r.Full);
    }

    [Fact]
    public void FailingTestIsStillUnmountedAndTheNextTestMounts()
    {
        var failed = RunBounded(InProcess("generic/904", _ => throw new InvalidOperationException("boom")));
        var next = RunBounded(InProcess("generic/905", ctx => Assert.NotNull(((InprocTarget)ctx.Target).Node)));
        Assert.Equal(TestStatus.Failed, failed.Status);
        Assert.Contains("boom", failed.Reason);
        Assert.True(next.Status == TestStatus.Passed, next.Reason);
    }

    [Fact]
    public void DebugSwitchesLeftOnByATestAreResetAfterIt()
    {
        var r = RunBounded(InProcess("generic/906", _ =>
        {
            IoDebugSwitches.GupFastOnly = true;
            IoDebugSwitches.DirectTrace = new DirectIoTrace();
        }));
        Assert.True(r.Status == TestStatus.Passed, r.Reason);
        Assert.False(IoDebugSwitches.GupFastOnly);
        Assert.Null(IoDebugSwitches.DirectTrace);
    }

    [Theory]
    [InlineData("generic/208")]
    [InlineData("generic/647")]
    public void PortedInProcessTestPassesAgainstItsGoldenOutput(string name)
    {
        var test = TestRegistry.Discover(typeof(TestRunner).Assembly).Single(t => t.Name == name);
        var r = RunBounded(test, RepoPaths.XfsTestsDir);
        Assert.True(r.Status == TestStatus.Passed, $"{r.Reason}\n{r.Diff}\n{r.Full}");
    }

    [Fact]
    public void Generic647FailsWhenReadsAndWritesFaultUnderTheGlock()
    {
        var test = TestRegistry.Discover(typeof(TestRunner).Assembly).Single(t => t.Name == "generic/647");
        IoDebugSwitches.FaultsUnderGlock = true; // the unfixed gfs2: same-file faults recurse into the glock
        TestOutcome r;
        try { r = RunBounded(test, RepoPaths.XfsTestsDir); }
        finally { IoDebugSwitches.FaultsUnderGlock = false; }
        Assert.Equal(TestStatus.Failed, r.Status);
        Assert.Contains($"returned {Errno.EDEADLK.Negative}", r.Diff);
    }
}
