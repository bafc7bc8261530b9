namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// Declares a class as xfstests-lite test <paramref name="name"/> (e.g. "generic/001") in the
/// space-separated <paramref name="groups"/>, with the target features it needs.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class XfsTestAttribute(string name, string groups) : Attribute
{
    public string Name { get; } = name;

    public string Groups { get; } = groups;

    /// <summary>One line saying what the test checks (shown by <c>check -l</c>).</summary>
    public string Description { get; init; } = "";

    /// <summary>Features the target must offer; otherwise the test is notrun with the reason.</summary>
    public TargetFeatures Requires { get; init; } = TargetFeatures.Paths;

    /// <summary>The bound on the test's run time; past it the test fails as hung.</summary>
    public int TimeoutSeconds { get; init; } = 300;
}
