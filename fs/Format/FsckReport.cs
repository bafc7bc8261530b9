namespace ClusterFs.Fs.Format;

/// <summary>What <see cref="Fsck.Run"/> found: one line per problem, each naming the block or inode, and whether it
/// was repaired.</summary>
public sealed class FsckReport
{
    public const int ExitClean = 0, ExitProblems = 1, ExitOperational = 4;

    /// <summary>One line per problem found.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>How many of <see cref="Problems"/> were repaired (with -y).</summary>
    public int Repaired { get; internal set; }

    /// <summary>Set when the check could not run at all (unreadable superblock or resource index): names the block.</summary>
    public string? OperationalError { get; internal set; }

    public long InodesChecked { get; internal set; }
    public long BlocksInUse { get; internal set; }

    /// <summary>0 clean, 1 problems found, 4 operational error (like e2fsck).</summary>
    public int ExitCode => OperationalError is not null ? ExitOperational : Problems.Count > 0 ? ExitProblems : ExitClean;

    public bool Clean => ExitCode == ExitClean;

    public override string ToString() => OperationalError ?? (Problems.Count == 0 ? "clean" : string.Join('\n', Problems));
}
