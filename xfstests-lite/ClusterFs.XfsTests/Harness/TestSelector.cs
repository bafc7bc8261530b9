namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// Chooses the tests to run as xfstests' check does: the named tests plus every test in an included
/// group (auto when neither is given), minus every test in an excluded group, in name order.
/// </summary>
public static class TestSelector
{
    /// <summary>
    /// The selected tests. Throws ArgumentException for an unknown test name or an included group no
    /// test belongs to (a typo should not silently run nothing).
    /// </summary>
    public static IReadOnlyList<TestDescriptor> Select(IReadOnlyList<TestDescriptor> all,
        IReadOnlyCollection<string> includeGroups, IReadOnlyCollection<string> excludeGroups, IReadOnlyCollection<string> names)
    {
        var chosen = new SortedDictionary<string, TestDescriptor>(StringComparer.Ordinal);
        IReadOnlyCollection<string> groups = includeGroups.Count == 0 && names.Count == 0 ? ["auto"] : includeGroups;
        foreach (string g in groups)
        {
            var inGroup = all.Where(t => t.InGroup(g)).ToList();
            if (inGroup.Count == 0) throw new ArgumentException($"group \"{g}\" is empty or not defined");
            foreach (var t in inGroup) chosen[t.Name] = t;
        }
        foreach (string n in names)
        {
            string name = n.Contains('/') ? n : "generic/" + n;
            var t = all.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"no such test: {n}");
            chosen[t.Name] = t;
        }
        return chosen.Values.Where(t => !excludeGroups.Any(t.InGroup)).ToList();
    }
}
