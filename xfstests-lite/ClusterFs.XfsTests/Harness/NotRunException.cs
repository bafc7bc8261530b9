namespace ClusterFs.XfsTests.Harness;

/// <summary>Thrown by a test (via <see cref="TestContext.NotRun"/>) when a requirement is missing.</summary>
public sealed class NotRunException(string reason) : Exception(reason);
