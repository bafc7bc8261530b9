namespace ClusterFs.XfsTests.Tests.Harness;

/// <summary>
/// A temporary tree for one harness test: a mount directory (the target), a tests/ folder for
/// golden files and a results/ folder; removed on dispose.
/// </summary>
internal sealed class HarnessFixture : IDisposable
{
    public HarnessFixture()
    {
        Root = Directory.CreateTempSubdirectory("xfstests-lite-unit.").FullName;
        Mount = Path.Combine(Root, "mnt");
        TestsDir = Path.Combine(Root, "tests");
        ResultsDir = Path.Combine(Root, "results");
        Directory.CreateDirectory(Mount);
        Directory.CreateDirectory(Path.Combine(TestsDir, "generic"));
    }

    public string Root { get; }
    public string Mount { get; }
    public string TestsDir { get; }
    public string ResultsDir { get; }

    /// <summary>Writes tests/NAME.out.</summary>
    public void Golden(string name, string text) => File.WriteAllText(Path.Combine(TestsDir, name + ".out"), text);

    /// <summary>The check arguments for this tree plus <paramref name="extra"/>.</summary>
    public string[] Args(params string[] extra) =>
        ["--target", "mount:" + Mount, "--tests-dir", TestsDir, "--results", ResultsDir, .. extra];

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
