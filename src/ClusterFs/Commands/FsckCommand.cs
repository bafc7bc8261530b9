using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Cli.Commands;

/// <summary>`clusterfs fsck`: checks an image; -n never writes (opens read-only; a dirty journal is reported and
/// replayed into memory only, so the image is checked as it will be once replayed), -y replays dirty journals and
/// repairs what is safe. Exit 0 clean, 1 problems found (or repaired), 4 could not check.</summary>
public sealed class FsckCommand : ICommand
{
    public string Name => "fsck";
    public string Usage => "fsck [-n|-y] IMAGE";

    public int Run(IReadOnlyList<string> args, ILoggerFactory logging)
    {
        bool repair = false;
        string? image = null;
        foreach (string a in args)
        {
            if (a == "-y") repair = true;
            else if (a == "-n") repair = false;
            else if (a.StartsWith('-')) throw new UsageException($"unknown option {a}");
            else if (image is null) image = a;
            else throw new UsageException("expected one IMAGE");
        }
        if (image is null) throw new UsageException("expected IMAGE");
        using var dev = ImageFileDevice.Open(image, readOnly: !repair, direct: false, out var oe);
        if (dev is null) { Console.Error.WriteLine($"clusterfs fsck: cannot open {image}: {oe}"); return FsckReport.ExitOperational; }
        var head = new byte[512];
        int bs = dev.Read(0, head).IsOk ? BitConverter.ToInt32(head, 36) : 0;
        var journal = repair && Superblock.IsValidBlockSize(bs) ? new WriteThroughJournal(dev, bs, flushOnCommit: true) : null;
        if (repair && journal is null) { Console.Error.WriteLine($"clusterfs fsck: {image}: block 0: no valid superblock"); return FsckReport.ExitOperational; }
        // The report already prints every problem once; the log repeats them only with --verbose.
        var logger = logging.CreateLogger("fsck");
        var report = Fsck.Run(dev, journal, repair, logger.IsEnabled(LogLevel.Debug) ? logger : null);
        if (report.OperationalError is not null)
        {
            Console.Error.WriteLine($"clusterfs fsck: {image}: {report.OperationalError}");
            return report.ExitCode;
        }
        foreach (string p in report.Problems) Console.WriteLine(p);
        Console.WriteLine($"{image}: {report.InodesChecked} inodes, {report.BlocksInUse} blocks in use, {report.Problems.Count} problem(s){(repair ? $", {report.Repaired} repaired" : "")}");
        return report.ExitCode;
    }
}
