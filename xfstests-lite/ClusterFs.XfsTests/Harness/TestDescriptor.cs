namespace ClusterFs.XfsTests.Harness;

/// <summary>A discovered test: its name, groups, requirements, time bound and how to create it.</summary>
public sealed record TestDescriptor(
    string Name,
    string Description,
    IReadOnlyList<string> Groups,
    TargetFeatures Requires,
    TimeSpan Timeout,
    Func<IXfsTest> Create)
{
    /// <summary>The number part of the name ("001" for "generic/001"), as in "QA output created by".</summary>
    public string Number => Name[(Name.LastIndexOf('/') + 1)..];

    public bool InGroup(string group) => Groups.Contains(group, StringComparer.Ordinal);
}
