namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// The result of one test: its status, what it printed (for .out.bad), the diff against the golden
/// output (failures), the reason (notrun, or why it failed besides the diff), its diagnostics and
/// its duration.
/// </summary>
public sealed record TestOutcome(
    string Name,
    TestStatus Status,
    string Output,
    string? Diff,
    string? Reason,
    string Full,
    TimeSpan Duration);
