using System.Text;

namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// A unified diff (diff -u) of two texts by lines, as xfstests writes NNN.diff for a failed test.
/// Uses a longest-common-subsequence table: golden outputs are small, and past a size cap the whole
/// text is shown as replaced rather than spending quadratic memory.
/// </summary>
public static class UnifiedDiff
{
    private const int Context = 3;
    private const long MaxCells = 4_000_000;

    /// <summary>Splits text into lines; a trailing newline does not make an extra empty line.</summary>
    public static string[] Lines(string text)
    {
        string t = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (t.EndsWith('\n')) t = t[..^1];
        return t.Length == 0 ? [] : t.Split('\n');
    }

    /// <summary>The diff from <paramref name="expected"/> to <paramref name="actual"/>; empty when equal.</summary>
    public static string Diff(string expected, string actual, string expectedLabel, string actualLabel)
    {
        string[] a = Lines(expected), b = Lines(actual);
        List<(char Op, string Line)> script = Script(a, b);
        if (script.All(e => e.Op == ' ')) return "";
        var sb = new StringBuilder();
        sb.Append("--- ").Append(expectedLabel).Append('\n').Append("+++ ").Append(actualLabel).Append('\n');
        int i = 0;
        while (i < script.Count)
        {
            int firstChange = script.FindIndex(i, e => e.Op != ' ');
            if (firstChange < 0) break;
            int start = Math.Max(i, firstChange - Context);
            int end = firstChange;
            // Extend the hunk while the next change is within 2*Context unchanged lines.
            while (true)
            {
                while (end < script.Count && script[end].Op != ' ') end++;
                int next = script.FindIndex(end, e => e.Op != ' ');
                if (next >= 0 && next - end <= 2 * Context) { end = next; continue; }
                end = Math.Min(script.Count, end + Context);
                break;
            }
            int aLine = 1 + script.Take(start).Count(e => e.Op != '+');
            int bLine = 1 + script.Take(start).Count(e => e.Op != '-');
            int aLen = script.Skip(start).Take(end - start).Count(e => e.Op != '+');
            int bLen = script.Skip(start).Take(end - start).Count(e => e.Op != '-');
            sb.Append($"@@ -{Range(aLine, aLen)} +{Range(bLine, bLen)} @@\n");
            for (int k = start; k < end; k++) sb.Append(script[k].Op).Append(script[k].Line).Append('\n');
            i = end;
        }
        return sb.ToString();
    }

    // diff -u prints "start,len", with start one less when the range is empty.
    private static string Range(int start, int len) => len == 0 ? $"{start - 1},0" : len == 1 ? $"{start}" : $"{start},{len}";

    private static List<(char, string)> Script(string[] a, string[] b)
    {
        var script = new List<(char, string)>();
        if ((long)a.Length * b.Length > MaxCells)
        {
            script.AddRange(a.Select(l => ('-', l)));
            script.AddRange(b.Select(l => ('+', l)));
            return script;
        }
        // lcs[i, j] = length of the LCS of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
            for (int j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { script.Add((' ', a[x])); x++; y++; }
            // Deletions first, as diff -u prints them.
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1])) { script.Add(('-', a[x])); x++; }
            else { script.Add(('+', b[y])); y++; }
        }
        return script;
    }
}
