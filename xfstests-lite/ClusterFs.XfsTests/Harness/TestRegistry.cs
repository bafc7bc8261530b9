using System.Reflection;

namespace ClusterFs.XfsTests.Harness;

/// <summary>Finds the tests: every class carrying <see cref="XfsTestAttribute"/>, ordered by name.</summary>
public static class TestRegistry
{
    /// <summary>All tests in <paramref name="assembly"/>; throws on a duplicate name (a bug).</summary>
    public static IReadOnlyList<TestDescriptor> Discover(Assembly assembly)
    {
        var tests = new SortedDictionary<string, TestDescriptor>(StringComparer.Ordinal);
        foreach (Type type in assembly.GetTypes())
        {
            var attr = type.GetCustomAttribute<XfsTestAttribute>();
            if (attr is null) continue;
            if (!typeof(IXfsTest).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
                throw new InvalidOperationException($"{type}: an [XfsTest] must implement IXfsTest and have a parameterless constructor");
            var d = new TestDescriptor(attr.Name, attr.Description,
                attr.Groups.Split(' ', StringSplitOptions.RemoveEmptyEntries), attr.Requires,
                TimeSpan.FromSeconds(attr.TimeoutSeconds), () => (IXfsTest)Activator.CreateInstance(type)!);
            if (!tests.TryAdd(d.Name, d)) throw new InvalidOperationException($"duplicate test {d.Name}");
        }
        return tests.Values.ToList();
    }
}
