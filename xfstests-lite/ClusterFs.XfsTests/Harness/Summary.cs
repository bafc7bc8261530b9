using System.Text;

namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// The end-of-run summary in xfstests' form, followed by the one-line count that
/// scripts/test-summary.sh sums: "N passed, N failed, N skipped".
/// </summary>
public static class Summary
{
    /// <summary>The summary text for <paramref name="outcomes"/> (in run order).</summary>
    public static string Format(IReadOnlyList<TestOutcome> outcomes)
    {
        var ran = outcomes.Where(o => o.Status != TestStatus.NotRun).Select(o => o.Name).ToList();
        var notRun = outcomes.Where(o => o.Status == TestStatus.NotRun).Select(o => o.Name).ToList();
        var failed = outcomes.Where(o => o.Status == TestStatus.Failed).Select(o => o.Name).ToList();
        var sb = new StringBuilder();
        if (ran.Count > 0) sb.Append("Ran: ").AppendJoin(' ', ran).Append('\n');
        if (notRun.Count > 0) sb.Append("Not run: ").AppendJoin(' ', notRun).Append('\n');
        if (failed.Count > 0)
        {
            sb.Append("Failures: ").AppendJoin(' ', failed).Append('\n');
            sb.Append($"Failed {failed.Count} of {ran.Count} tests\n");
        }
        else
        {
            sb.Append($"Passed all {ran.Count} tests\n");
        }
        sb.Append($"{ran.Count - failed.Count} passed, {failed.Count} failed, {notRun.Count} skipped\n");
        return sb.ToString();
    }
}
