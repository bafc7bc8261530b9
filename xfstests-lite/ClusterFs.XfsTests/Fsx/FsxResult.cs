namespace ClusterFs.XfsTests.Fsx;

/// <summary>
/// How an fsx run ended: <see cref="Ok"/> after all operations, or the first problem's one-line
/// <see cref="Failure"/> (the full report with the operation log went to the run's log writer).
/// </summary>
public sealed record FsxResult(bool Ok, long OpsDone, string? Failure)
{
    /// <summary>fsx's closing line on success, or "fsx failed: ..." with the headline.</summary>
    public string Headline => Ok ? $"All {OpsDone} operations completed A-OK!" : $"fsx failed at operation {OpsDone}: {Failure}";
}
