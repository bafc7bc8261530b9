namespace ClusterFs.XfsTests.Tests;

/// <summary>Locates the repository (the folder holding ClusterFs.sln) from the test binaries.</summary>
internal static class RepoPaths
{
    /// <summary>xfstests-lite/tests, where the ported tests and their golden outputs live.</summary>
    public static string XfsTestsDir => Path.Combine(Root, "xfstests-lite", "tests");

    public static string Root
    {
        get
        {
            var d = new DirectoryInfo(AppContext.BaseDirectory);
            while (d is not null && !File.Exists(Path.Combine(d.FullName, "ClusterFs.sln"))) d = d.Parent;
            return d?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }
}
