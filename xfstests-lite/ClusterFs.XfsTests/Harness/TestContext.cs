namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// What a running test sees: its golden-compared output, a free-form diagnostic log (NNN.full),
/// the target and its scratch area, and a token cancelled when the test exceeds its time bound.
/// </summary>
public sealed class TestContext
{
    public TestContext(TestTarget target, ScratchArea scratch, TextWriter output, TextWriter full,
        CancellationToken cancellation)
    {
        Target = target;
        Scratch = scratch;
        Out = output;
        Full = full;
        Cancellation = cancellation;
    }

    public TestTarget Target { get; }

    public ScratchArea Scratch { get; }

    /// <summary>Compared line by line with NNN.out; thread-safe.</summary>
    public TextWriter Out { get; }

    /// <summary>Diagnostics kept in results/NNN.full and never compared; thread-safe.</summary>
    public TextWriter Full { get; }

    /// <summary>Cancelled when the time bound expires: long loops should stop on it.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>The test's scratch directory; throws if the target has no paths (a test bug).</summary>
    public string ScratchDir =>
        Scratch.Path ?? throw new InvalidOperationException("this target has no scratch directory; declare Requires = Paths");

    /// <summary>A path inside the scratch directory.</summary>
    public string PathOf(string name) => Path.Combine(ScratchDir, name);

    /// <summary>Replaces the scratch directory with SCRATCH_MNT so output is the same on every target.</summary>
    public string Filter(string text) =>
        Scratch.Path is null ? text : text.Replace(Scratch.Path, "SCRATCH_MNT", StringComparison.Ordinal);

    /// <summary>
    /// Ends the test as notrun with <paramref name="reason"/>: always throws
    /// <see cref="NotRunException"/>; typed as returning it so a test can write
    /// <c>throw TestContext.NotRun("...")</c> and the compiler sees the end of the path.
    /// </summary>
    public static Exception NotRun(string reason) => throw new NotRunException(reason);

    /// <summary>Ends the test as notrun unless the target offers <paramref name="features"/>.</summary>
    public void Require(TargetFeatures features)
    {
        string? why = TargetFeaturesText.WhyMissing(features, Target.Features);
        if (why is not null) throw new NotRunException(why);
    }
}
