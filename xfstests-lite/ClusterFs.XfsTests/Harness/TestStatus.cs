namespace ClusterFs.XfsTests.Harness;

public enum TestStatus
{
    Passed,
    Failed,
    NotRun,
}
