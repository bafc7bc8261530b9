using System.Reflection;

namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// xfstests' check: selects tests, runs each against the target, prints one progress line per test
/// (with the head of the diff for a failure), writes results/, and ends with <see cref="Summary"/>.
/// Exit status: 0 when nothing failed, 1 on any failure, 2 on bad usage.
/// </summary>
public static class CheckCommand
{
    private const int DiffLinesShown = 20;

    /// <summary>Runs check with the tests of this assembly.</summary>
    public static int Execute(IReadOnlyList<string> args, TextWriter console) =>
        Run(args, TestRegistry.Discover(Assembly.GetExecutingAssembly()), console);

    /// <summary>Runs check over <paramref name="all"/>; returns the exit status.</summary>
    public static int Run(IReadOnlyList<string> args, IReadOnlyList<TestDescriptor> all, TextWriter console)
    {
        CheckOptions o;
        IReadOnlyList<TestDescriptor> selected;
        TestTarget? target = null;
        try
        {
            o = CheckOptions.Parse(args);
            selected = TestSelector.Select(all, o.IncludeGroups, o.ExcludeGroups, o.Tests);
            if (o.ListOnly)
            {
                foreach (var t in selected) console.WriteLine($"{t.Name,-12} [{string.Join(' ', t.Groups)}] {t.Description}");
                return 0;
            }
            if (o.Target is null) throw new ArgumentException("no target: give --target inproc|mount:PATH (or set XFSTESTS_TARGET)");
            target = TestTarget.Parse(o.Target, o.Without);
        }
        catch (ArgumentException e)
        {
            console.WriteLine($"check: {e.Message}");
            console.WriteLine(CheckOptions.Usage);
            return 2;
        }

        console.WriteLine($"TARGET        -- {target.Spec}");
        console.WriteLine($"FEATURES      -- {target.Features}");
        console.WriteLine();
        var runner = new TestRunner(target, o.TestsDir, o.Timeout);
        var outcomes = new List<TestOutcome>();
        foreach (TestDescriptor test in selected)
        {
            console.Write($"{test.Name,-12} ");
            console.Flush();
            TestOutcome r = runner.Run(test);
            ResultsWriter.Write(o.ResultsDir, r);
            outcomes.Add(r);
            switch (r.Status)
            {
                case TestStatus.Passed:
                    console.WriteLine($"{r.Duration.TotalSeconds:0}s");
                    break;
                case TestStatus.NotRun:
                    console.WriteLine($"[not run] {r.Reason}");
                    break;
                default:
                    console.WriteLine($"- {r.Reason} (see {Path.Combine(o.ResultsDir, r.Name)}.out.bad)");
                    foreach (string line in UnifiedDiff.Lines(r.Diff ?? "").Take(DiffLinesShown))
                        console.WriteLine("    " + line);
                    break;
            }
        }
        console.WriteLine();
        string summary = Summary.Format(outcomes);
        ResultsWriter.AppendLog(o.ResultsDir, target.Spec, summary);
        console.Write(summary);
        return outcomes.Any(r => r.Status == TestStatus.Failed) ? 1 : 0;
    }
}
