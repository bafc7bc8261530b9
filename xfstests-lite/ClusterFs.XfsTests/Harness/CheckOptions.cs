namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// The command line of <c>check</c>:
/// <c>[-g GROUP]... [-x GROUP]... [--target inproc|mount:PATH] [--timeout S] [--tests-dir D]
/// [--results D] [-l] [TEST ...]</c>. Groups may also be comma-separated, as in xfstests.
/// </summary>
public sealed class CheckOptions
{
    public List<string> IncludeGroups { get; } = [];
    public List<string> ExcludeGroups { get; } = [];
    public List<string> Tests { get; } = [];
    public string? Target { get; set; }
    public TimeSpan? Timeout { get; set; }
    public string TestsDir { get; set; } = "tests";
    public string ResultsDir { get; set; } = "results";
    public bool ListOnly { get; set; }
    /// <summary>Features masked off the target (--without), e.g. to check notrun paths.</summary>
    public TargetFeatures Without { get; set; }

    public const string Usage =
        "usage: check [-g GROUP] [-x GROUP] [--target inproc|mount:PATH] [--timeout SECONDS] " +
        "[--without FEATURE[,FEATURE]] [--tests-dir DIR] [--results DIR] [-l] [TEST ...]";

    /// <summary>Parses <paramref name="args"/>; throws ArgumentException with the problem on bad usage.</summary>
    public static CheckOptions Parse(IReadOnlyList<string> args)
    {
        var o = new CheckOptions { Target = Environment.GetEnvironmentVariable("XFSTESTS_TARGET") };
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "-g": o.IncludeGroups.AddRange(SplitGroups(Next())); break;
                case "-x": o.ExcludeGroups.AddRange(SplitGroups(Next())); break;
                case "--target": o.Target = Next(); break;
                case "--tests-dir": o.TestsDir = Next(); break;
                case "--results": o.ResultsDir = Next(); break;
                case "-l": o.ListOnly = true; break;
                case "--without":
                    foreach (string name in SplitGroups(Next()))
                    {
                        if (!Enum.TryParse(name, ignoreCase: true, out TargetFeatures f) || f is TargetFeatures.None or TargetFeatures.Paths)
                            throw new ArgumentException($"--without {name}: use DirectIo, Mmap, Aio, Fallocate or PunchHole");
                        o.Without |= f;
                    }
                    break;
                case "--timeout":
                    string v = Next();
                    if (!int.TryParse(v, out int s) || s <= 0) throw new ArgumentException($"--timeout {v}: not a positive number of seconds");
                    o.Timeout = TimeSpan.FromSeconds(s);
                    break;
                default:
                    if (a.StartsWith('-')) throw new ArgumentException($"unknown option {a}");
                    o.Tests.Add(a);
                    break;
            }
        }
        return o;
    }

    private static string[] SplitGroups(string v) => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
