using FsCheck;
using FsCheck.Fluent;
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Tests.Harness;

public sealed class UnifiedDiffTests
{
    [Fact]
    public void EqualTextsGiveNoDiff() => Assert.Equal("", UnifiedDiff.Diff("a\nb\n", "a\nb\n", "x", "y"));

    [Fact]
    public void ChangedLineGivesOneHunkWithContextAndDiffUHeader()
    {
        string a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        string b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        string d = UnifiedDiff.Diff(a, b, "tests/generic/001.out", "results/generic/001.out.bad");
        Assert.Equal(
            "--- tests/generic/001.out\n+++ results/generic/001.out.bad\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n", d);
    }

    [Fact]
    public void DistantChangesGiveSeparateHunks()
    {
        var a = Enumerable.Range(1, 30).Select(i => i.ToString()).ToList();
        var b = a.ToList();
        b[1] = "two";
        b[25] = "twenty-six";
        string d = UnifiedDiff.Diff(string.Join('\n', a), string.Join('\n', b), "a", "b");
        Assert.Equal(2, d.Split('\n').Count(l => l.StartsWith("@@")));
    }

    [Fact]
    public void AddedLinesAtTheEndAreShown()
    {
        string d = UnifiedDiff.Diff("a\n", "a\nextra\n", "x", "y");
        Assert.Contains("@@ -1 +1,2 @@", d);
        Assert.Contains("+extra", d);
    }

    [Fact]
    public void PropertyApplyingTheScriptToExpectedGivesActual()
    {
        // Rebuilding "actual" from the diff's context and '+' lines must reproduce it exactly.
        var gen =
            from x in Gen.ArrayOf(Gen.Choose(0, 3))
            from y in Gen.ArrayOf(Gen.Choose(0, 3))
            select (x, y);
        Prop.ForAll(Arb.From(gen), p =>
        {
            string a = string.Join('\n', p.x), b = string.Join('\n', p.y);
            string d = UnifiedDiff.Diff(a, b, "a", "b");
            return d.Length == 0 ? UnifiedDiff.Lines(a).SequenceEqual(UnifiedDiff.Lines(b)) : Rebuilds(a, b, d);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    private static bool Rebuilds(string a, string b, string diff)
    {
        var al = UnifiedDiff.Lines(a);
        var result = new List<string>();
        int pos = 0;
        foreach (string line in UnifiedDiff.Lines(diff).Skip(2))
        {
            if (line.StartsWith("@@"))
            {
                int start = int.Parse(line.Split(' ')[1].TrimStart('-').Split(',')[0]);
                int len = line.Split(' ')[1].Contains(',') ? int.Parse(line.Split(' ')[1].Split(',')[1]) : 1;
                int to = len == 0 ? start : start - 1;
                while (pos < to) result.Add(al[pos++]);
                continue;
            }
            if (line[0] == ' ') { result.Add(al[pos++]); }
            else if (line[0] == '-') pos++;
            else result.Add(line[1..]);
        }
        while (pos < al.Length) result.Add(al[pos++]);
        return result.SequenceEqual(UnifiedDiff.Lines(b));
    }
}
