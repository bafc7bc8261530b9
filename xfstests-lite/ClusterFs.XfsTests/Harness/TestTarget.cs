namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// Where the tests run: a mounted directory (<see cref="MountTarget"/>) or the in-process ClusterFs
/// API (<see cref="InprocTarget"/>). The harness asks a target for its features (to decide notrun)
/// and for one scratch area per test, which it disposes after the test.
/// </summary>
public abstract class TestTarget
{
    /// <summary>The target as given on the command line: "mount:PATH" or "inproc".</summary>
    public abstract string Spec { get; }

    /// <summary>What the target supports; probed once when the target is created.</summary>
    public abstract TargetFeatures Features { get; }

    /// <summary>Creates an empty scratch area for one test; disposing it removes everything in it.</summary>
    public abstract ScratchArea CreateScratch(string testName);

    /// <summary>
    /// Parses "mount:PATH" or "inproc"; <paramref name="without"/> masks features off (to see how
    /// the tests behave on a target lacking them). Throws ArgumentException on anything else or on a
    /// mount path that is not an existing directory.
    /// </summary>
    public static TestTarget Parse(string spec, TargetFeatures without = TargetFeatures.None)
    {
        if (spec == "inproc") return new InprocTarget();
        if (spec.StartsWith("mount:", StringComparison.Ordinal))
        {
            string path = spec["mount:".Length..];
            if (path.Length == 0 || !Directory.Exists(path))
                throw new ArgumentException($"target {spec}: not an existing directory");
            return new MountTarget(Path.GetFullPath(path), without);
        }
        throw new ArgumentException($"unknown target '{spec}' (use inproc or mount:PATH)");
    }
}
