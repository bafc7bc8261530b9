using System.Diagnostics;

namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// Runs one test: checks its requirements against the target (notrun), gives it a fresh scratch
/// area, runs it on its own thread with a time bound, compares its output with the golden NNN.out,
/// and removes the scratch area. A test that outlives its bound is cancelled and reported failed;
/// its thread is a background thread, so a truly hung test cannot keep the run alive.
/// </summary>
public sealed class TestRunner
{
    private readonly TestTarget _target;
    private readonly string _testsDir;
    private readonly TimeSpan? _timeout;

    /// <param name="testsDir">The folder holding generic/NNN.out.</param>
    /// <param name="timeout">Overrides every test's own bound when set.</param>
    public TestRunner(TestTarget target, string testsDir, TimeSpan? timeout = null)
    {
        _target = target;
        _testsDir = testsDir;
        _timeout = timeout;
    }

    /// <summary>The golden output file of <paramref name="test"/>.</summary>
    public string GoldenPath(TestDescriptor test) => Path.Combine(_testsDir, test.Name + ".out");

    /// <summary>Runs <paramref name="test"/> and returns its outcome; never throws for a test's fault.</summary>
    public TestOutcome Run(TestDescriptor test)
    {
        var clock = Stopwatch.StartNew();
        string? missing = TargetFeaturesText.WhyMissing(test.Requires, _target.Features);
        if (missing is not null) return new TestOutcome(test.Name, TestStatus.NotRun, "", null, missing, "", clock.Elapsed);

        string golden = GoldenPath(test);
        var output = new StringWriter { NewLine = "\n" };
        var full = new StringWriter { NewLine = "\n" };
        TextWriter syncOut = TextWriter.Synchronized(output), syncFull = TextWriter.Synchronized(full);
        syncOut.WriteLine($"QA output created by {test.Number}");

        string? failure = null, notRun = null;
        ScratchArea scratchArea;
        try { scratchArea = _target.CreateScratch(test.Name); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new TestOutcome(test.Name, TestStatus.Failed, output.ToString(), null,
                $"cannot create the scratch directory: {e.Message}", "", clock.Elapsed);
        }
        using (ScratchArea scratch = scratchArea)
        using (var cts = new CancellationTokenSource())
        {
            var ctx = new TestContext(_target, scratch, syncOut, syncFull, cts.Token);
            TimeSpan bound = _timeout ?? test.Timeout;
            Exception? thrown = null;
            var thread = new Thread(() =>
            {
                try { test.Create().Run(ctx); }
                catch (Exception e) { thrown = e; }
            }) { IsBackground = true, Name = test.Name };
            thread.Start();
            if (!thread.Join(bound))
            {
                // Let a cooperative test stop (and release its scratch files) before cleanup.
                cts.Cancel();
                thread.Join(TimeSpan.FromSeconds(Math.Min(5, bound.TotalSeconds)));
                failure = $"timed out after {bound.TotalSeconds:0.#} s (hung test)";
            }
            else if (thrown is NotRunException nr) notRun = nr.Message;
            else if (thrown is not null) failure = $"{thrown.GetType().Name}: {thrown.Message}";
            if (thrown is not null && thrown is not NotRunException) syncFull.WriteLine(thrown.ToString());
            scratch.Dispose();
            if (scratch.CleanupError is not null)
            {
                syncFull.WriteLine($"scratch cleanup failed: {scratch.CleanupError}");
                // The in-process target's cleanup is unmount + fsck: an unclean filesystem fails the test.
                if (scratch.CleanupFailsTest && notRun is null) failure ??= $"after the test: {scratch.CleanupError}";
            }
        }

        if (notRun is not null)
            return new TestOutcome(test.Name, TestStatus.NotRun, output.ToString(), null, notRun, full.ToString(), clock.Elapsed);
        if (failure is not null) syncOut.WriteLine($"[{failure}]");
        string actual = output.ToString();
        if (!File.Exists(golden))
        {
            return new TestOutcome(test.Name, TestStatus.Failed, actual, null,
                $"no golden output {test.Name}.out", full.ToString(), clock.Elapsed);
        }
        string diff = UnifiedDiff.Diff(File.ReadAllText(golden), actual, $"tests/{test.Name}.out", $"results/{test.Name}.out.bad");
        TestStatus status = failure is null && diff.Length == 0 ? TestStatus.Passed : TestStatus.Failed;
        return new TestOutcome(test.Name, status, actual, diff.Length == 0 ? null : diff,
            failure ?? (diff.Length == 0 ? null : "output mismatch"), full.ToString(), clock.Elapsed);
    }
}
