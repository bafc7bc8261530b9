namespace ClusterFs.XfsTests.Harness;

/// <summary>The notrun reasons printed for a missing target feature.</summary>
public static class TargetFeaturesText
{
    /// <summary>
    /// The reason a test needing <paramref name="required"/> cannot run on a target offering
    /// <paramref name="offered"/>, naming the first missing feature; null when nothing is missing.
    /// </summary>
    public static string? WhyMissing(TargetFeatures required, TargetFeatures offered)
    {
        TargetFeatures missing = required & ~offered;
        if (missing == TargetFeatures.None) return null;
        foreach (TargetFeatures f in Enum.GetValues<TargetFeatures>())
        {
            if (f == TargetFeatures.None || (missing & f) == 0) continue;
            return f switch
            {
                TargetFeatures.InProcess => "needs the in-process target (user-memory model)",
                TargetFeatures.Paths => "needs a mounted target (the test uses system calls on paths)",
                TargetFeatures.DirectIo => "O_DIRECT is not supported by the target",
                TargetFeatures.Mmap => "shared mmap is not supported by the target",
                TargetFeatures.Aio => "aio is not supported by the target",
                TargetFeatures.Fallocate => "fallocate is not supported by the target",
                TargetFeatures.PunchHole => "fallocate punch hole is not supported by the target",
                _ => $"target lacks {f}",
            };
        }
        return null;
    }
}
