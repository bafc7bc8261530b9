using ClusterFs.Fs.Journal;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Fs.Format;

/// <summary>
/// Checks a filesystem: superblock and resource index, the journals, checksums of every reachable metadata
/// block, bitmaps against the blocks reachable from the root (leaked, doubly used, free but used), rgrp counts,
/// directory structure ('..', entries naming valid dinodes of the right type) and link counts. With repair,
/// replays dirty journals first, then fixes what is safe (bitmap states, rgrp counts, link counts, inode block
/// counts) through <paramref name="journal"/>; without it, writes nothing: a dirty journal is replayed into an
/// in-memory overlay (<see cref="CopyOnWriteDevice"/>) and the image is checked as it will be once replayed.
/// fsck runs offline: no node may have the filesystem mounted (it replays every journal without their glocks).
/// </summary>
public static class Fsck
{
    /// <summary>Runs the check. Never throws for on-disk problems: they are lines in the report.
    /// A dirty journal is reported as "journal N is dirty (K transactions to replay)" (a problem, repaired by
    /// the replay with <paramref name="repair"/>).</summary>
    public static FsckReport Run(IBlockDevice device, IMetadataJournal? journal, bool repair, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (repair && journal is null) throw new ArgumentException("repair needs a journal to write through", nameof(journal));
        var report = new FsckReport();
        // Read-only open first: the superblock names the journals, and nothing may be written before it is checked.
        var e = Volume.Open(device, null, log, out var probe, out var problem);
        if (!e.IsOk)
        {
            report.OperationalError = problem ?? $"cannot open: {e}";
            return report;
        }
        var target = ReplayJournals(device, probe!, report, repair, log);
        if (report.OperationalError is not null) return report;
        e = Volume.Open(target, repair ? journal : null, log, out var vol, out problem);
        if (!e.IsOk)
        {
            report.OperationalError = problem ?? $"cannot open after journal replay: {e}";
            return report;
        }
        new FsckPass(vol!, report, repair).Run();
        return report;
    }

    /// <summary>Inspects every journal; replays the dirty ones in place (repair) or into an overlay (check only).
    /// Returns the device to check: <paramref name="device"/> itself, or the overlay holding the replayed blocks.</summary>
    private static IBlockDevice ReplayJournals(IBlockDevice device, Volume probe, FsckReport report, bool repair, ILogger? log)
    {
        IBlockDevice target = device;
        var journals = probe.Sb.Journals;
        for (int i = 0; i < journals.Count; i++)
        {
            var loc = journals[i].ToLocation(probe.BlockSize);
            var found = JournalReplay.Inspect(device, loc);
            if (!found.Error.IsOk)
            {
                // Its committed transactions (if any) are unknowable: check the image as it is and say so.
                report.Problems.Add($"journal {i} cannot be replayed: {found.Problem}");
                continue;
            }
            if (!found.WasDirty) continue;
            report.Problems.Add($"journal {i} is dirty ({found.TransactionsReplayed} transactions to replay)");
            if (!repair && target == device) target = new CopyOnWriteDevice(device);
            // Offline: nobody else holds the journal, so the lock check always passes.
            var replay = JournalReplay.Replay(target, loc, static () => true);
            if (!replay.Error.IsOk)
            {
                report.OperationalError = $"journal {i}: replay failed: {replay.Problem}";
                return target;
            }
            log?.LogInformation("journal {Index}: replayed {Transactions} transactions ({Blocks} blocks){Where}", i,
                replay.TransactionsReplayed, replay.BlocksWritten, repair ? "" : " into memory");
            if (repair) report.Repaired++;
        }
        return target;
    }
}
