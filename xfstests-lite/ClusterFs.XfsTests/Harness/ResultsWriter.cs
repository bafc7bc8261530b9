namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// Writes a test's results as xfstests does under results/: NNN.out.bad and NNN.diff for a failure,
/// NNN.notrun (the reason) for notrun, NNN.full (diagnostics) whenever the test logged any. Stale
/// files from an earlier run of the same test are removed first. Each run's summary is appended
/// to check.log.
/// </summary>
public static class ResultsWriter
{
    /// <summary>Writes <paramref name="outcome"/>'s files under <paramref name="resultsDir"/>.</summary>
    public static void Write(string resultsDir, TestOutcome outcome)
    {
        string stem = Path.Combine(resultsDir, outcome.Name);
        Directory.CreateDirectory(Path.GetDirectoryName(stem)!);
        foreach (string ext in new[] { ".out.bad", ".diff", ".notrun", ".full" })
            File.Delete(stem + ext);
        if (outcome.Full.Length > 0) File.WriteAllText(stem + ".full", outcome.Full);
        switch (outcome.Status)
        {
            case TestStatus.Failed:
                File.WriteAllText(stem + ".out.bad", outcome.Output);
                File.WriteAllText(stem + ".diff", outcome.Diff ?? $"{outcome.Reason}\n");
                break;
            case TestStatus.NotRun:
                File.WriteAllText(stem + ".notrun", outcome.Reason + "\n");
                break;
        }
    }

    /// <summary>Appends a run's summary to results/check.log, as xfstests keeps its history.</summary>
    public static void AppendLog(string resultsDir, string targetSpec, string summary)
    {
        Directory.CreateDirectory(resultsDir);
        File.AppendAllText(Path.Combine(resultsDir, "check.log"),
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z target {targetSpec}\n{summary}\n");
    }
}
