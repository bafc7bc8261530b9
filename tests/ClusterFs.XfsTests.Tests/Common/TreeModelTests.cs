using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Tests.Common;

/// <summary>The fsstress/dirstress consistency check must catch a tree that differs from its model.</summary>
public sealed class TreeModelTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("treemodel.").FullName;
    private readonly TreeModel _model = new();

    public TreeModelTests()
    {
        var worker = new FsstressWorker(_root, _model, new Random(3));
        Assert.Empty(worker.Run(600, CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private List<string> Verify() => _model.Verify(_root, p => Posix.Statx(p, out var st) == 0 ? st.Nlink : 0);

    [Fact]
    public void UntouchedTreeMatchesItsModel() => Assert.Empty(Verify());

    [Fact]
    public void ChangedByteIsReported()
    {
        string f = _model.Files.First(f => _model.Entries[f].Inode!.Data.Length > 0);
        using (var s = new FileStream(Path.Combine(_root, f), FileMode.Open)) { int b = s.ReadByte(); s.Position = 0; s.WriteByte((byte)(b ^ 1)); }
        Assert.Contains(Verify(), p => p.StartsWith($"{f}: contents differ at 0"));
    }

    [Fact]
    public void ExtraAndMissingNamesAreReported()
    {
        File.WriteAllText(Path.Combine(_root, "intruder"), "x");
        string gone = _model.Files.First();
        File.Delete(Path.Combine(_root, gone));
        var problems = Verify();
        Assert.Contains("intruder: exists but the model has no such name", problems);
        Assert.Contains(problems, p => p.StartsWith($"{gone}: missing") || p.Contains("nlink"));
    }

    [Fact]
    public void ExtraHardLinkIsReportedAsWrongLinkCount()
    {
        string f = _model.Files.First();
        Assert.Equal(0, Posix.Link(Path.Combine(_root, f), Path.Combine(_root, "hidden-link")));
        _model.Entries.Remove("hidden-link"); // the model does not know it: nlink and the extra name differ
        Assert.Contains(Verify(), p => p.StartsWith($"{f}: nlink"));
    }
}
