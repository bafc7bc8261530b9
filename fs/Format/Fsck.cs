using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Fs.Format;

/// <summary>
/// Checks a filesystem: superblock and resource index, checksums of every reachable metadata block, bitmaps
/// against the blocks reachable from the root (leaked, doubly used, free but used), rgrp counts, directory
/// structure ('..', entries naming valid dinodes of the right type) and link counts. With repair, fixes what is
/// safe (bitmap states, rgrp counts, link counts, inode block counts) through <paramref name="journal"/>;
/// without it, opens read-only and writes nothing.
/// </summary>
public static class Fsck
{
    /// <summary>Runs the check. Never throws for on-disk problems: they are lines in the report.</summary>
    public static FsckReport Run(IBlockDevice device, IMetadataJournal? journal, bool repair, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (repair && journal is null) throw new ArgumentException("repair needs a journal to write through", nameof(journal));
        var report = new FsckReport();
        var e = Volume.Open(device, repair ? journal : null, log, out var vol, out var problem);
        if (!e.IsOk)
        {
            report.OperationalError = problem ?? $"cannot open: {e}";
            return report;
        }
        new FsckPass(vol!, report, repair).Run();
        return report;
    }
}
