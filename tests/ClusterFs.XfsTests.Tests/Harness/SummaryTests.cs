using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Tests.Harness;

public sealed class SummaryTests
{
    private static TestOutcome O(string name, TestStatus s) => new(name, s, "", null, null, "", TimeSpan.Zero);

    [Fact]
    public void AllPassedSaysPassedAllAndZeroFailed() =>
        Assert.Equal("Ran: generic/001 generic/002\nPassed all 2 tests\n2 passed, 0 failed, 0 skipped\n",
            Summary.Format([O("generic/001", TestStatus.Passed), O("generic/002", TestStatus.Passed)]));

    [Fact]
    public void FailuresAndNotRunAreListedInXfstestsForm() =>
        Assert.Equal(
            "Ran: generic/001 generic/002 generic/003\nNot run: generic/208\nFailures: generic/002\nFailed 1 of 3 tests\n2 passed, 1 failed, 1 skipped\n",
            Summary.Format([O("generic/001", TestStatus.Passed), O("generic/002", TestStatus.Failed),
                O("generic/003", TestStatus.Passed), O("generic/208", TestStatus.NotRun)]));
}
