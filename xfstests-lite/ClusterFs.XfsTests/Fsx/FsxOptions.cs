namespace ClusterFs.XfsTests.Fsx;

/// <summary>
/// fsx's options, with fsx's letters: -N ops, -S seed, -l maxlen, -o maxoplen, -Z O_DIRECT, -A aio,
/// -R/-W no mapread/mapwrite, -r/-w/-t read/write/truncate alignment, -F/-H/-z no fallocate/punch
/// hole/zero range, -T no truncate, -L lite (fixed file size), -c P close and reopen 1 in P ops,
/// -d debug (log every op), -q quiet.
/// </summary>
public sealed class FsxOptions
{
    /// <summary>-N: operations to run.</summary>
    public long NumOps { get; set; } = 10000;
    /// <summary>-S: seed of the operation sequence and data.</summary>
    public int Seed { get; set; } = 1;
    /// <summary>-l: the file never grows past this.</summary>
    public int MaxFileLen { get; set; } = 256 * 1024;
    /// <summary>-o: the largest read/write/fallocate length.</summary>
    public int MaxOpLen { get; set; } = 64 * 1024;
    /// <summary>-Z: open with O_DIRECT.</summary>
    public bool DirectIo { get; set; }
    /// <summary>-A: concurrent pieces per read/write (see PosixFsxFile).</summary>
    public bool Aio { get; set; }
    /// <summary>Cleared by -R: no mapped reads (they become reads).</summary>
    public bool MapRead { get; set; } = true;
    /// <summary>Cleared by -W: no mapped writes (they become writes).</summary>
    public bool MapWrite { get; set; } = true;
    /// <summary>-r: read offset alignment (and size, with O_DIRECT).</summary>
    public int ReadBdy { get; set; } = 1;
    /// <summary>-w: write offset alignment (and size, with O_DIRECT).</summary>
    public int WriteBdy { get; set; } = 1;
    /// <summary>-t: truncate size alignment.</summary>
    public int TruncBdy { get; set; } = 1;
    /// <summary>Cleared by -F: no fallocate.</summary>
    public bool Fallocate { get; set; } = true;
    /// <summary>Cleared by -H: no punch hole.</summary>
    public bool PunchHole { get; set; } = true;
    /// <summary>Cleared by -z: no zero range.</summary>
    public bool ZeroRange { get; set; } = true;
    /// <summary>Cleared by -T: no truncate.</summary>
    public bool Truncate { get; set; } = true;
    /// <summary>-L: zero the file to MaxFileLen once; sizes never change.</summary>
    public bool Lite { get; set; }
    /// <summary>-c P: close and reopen after 1 in P operations (0 = never).</summary>
    public int CloseProb { get; set; }
    /// <summary>-d: log every operation as it runs.</summary>
    public bool Debug { get; set; }
    /// <summary>-q: no start and A-OK lines.</summary>
    public bool Quiet { get; set; }
    /// <summary>How many of the last operations the failure report prints.</summary>
    public int LogSize { get; set; } = 1000;

    /// <summary>The options as an fsx command line (without the file), for logs.</summary>
    public override string ToString()
    {
        var a = new List<string> { $"-N {NumOps}", $"-S {Seed}", $"-l {MaxFileLen}", $"-o {MaxOpLen}" };
        if (ReadBdy != 1) a.Add($"-r {ReadBdy}");
        if (WriteBdy != 1) a.Add($"-w {WriteBdy}");
        if (TruncBdy != 1) a.Add($"-t {TruncBdy}");
        if (DirectIo) a.Add("-Z");
        if (Aio) a.Add("-A");
        if (!MapRead) a.Add("-R");
        if (!MapWrite) a.Add("-W");
        if (!Fallocate) a.Add("-F");
        if (!PunchHole) a.Add("-H");
        if (!ZeroRange) a.Add("-z");
        if (!Truncate) a.Add("-T");
        if (Lite) a.Add("-L");
        if (CloseProb != 0) a.Add($"-c {CloseProb}");
        return string.Join(' ', a);
    }

    /// <summary>
    /// Parses fsx arguments; returns the options and the file name (the one non-option argument).
    /// Throws ArgumentException on bad usage.
    /// </summary>
    public static (FsxOptions Options, string File) Parse(IReadOnlyList<string> args)
    {
        var o = new FsxOptions();
        string? file = null;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            int Num()
            {
                if (i + 1 >= args.Count || !int.TryParse(args[++i], out int v) || v < 0)
                    throw new ArgumentException($"{a} needs a non-negative number");
                return v;
            }
            switch (a)
            {
                case "-N": o.NumOps = Num(); break;
                case "-S": o.Seed = Num(); break;
                case "-l": o.MaxFileLen = Num(); break;
                case "-o": o.MaxOpLen = Num(); break;
                case "-r": o.ReadBdy = Math.Max(1, Num()); break;
                case "-w": o.WriteBdy = Math.Max(1, Num()); break;
                case "-t": o.TruncBdy = Math.Max(1, Num()); break;
                case "-c": o.CloseProb = Num(); break;
                case "-Z": o.DirectIo = true; break;
                case "-A": o.Aio = true; break;
                case "-R": o.MapRead = false; break;
                case "-W": o.MapWrite = false; break;
                case "-F": o.Fallocate = false; break;
                case "-H": o.PunchHole = false; break;
                case "-z": o.ZeroRange = false; break;
                case "-T": o.Truncate = false; break;
                case "-L": o.Lite = true; break;
                case "-d": o.Debug = true; break;
                case "-q": o.Quiet = true; break;
                default:
                    if (a.StartsWith('-') || file is not null) throw new ArgumentException($"unexpected argument {a}");
                    file = a;
                    break;
            }
        }
        if (file is null) throw new ArgumentException("no file name");
        if (o.MaxFileLen <= 0 || o.MaxOpLen <= 0) throw new ArgumentException("-l and -o must be positive");
        return (o, file);
    }
}
