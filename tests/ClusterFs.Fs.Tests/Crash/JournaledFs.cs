using ClusterFs.Fs.Format;
using ClusterFs.Fs.Journal;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Crash;

/// <summary>Helpers for tests that run the filesystem over its real journal (MetadataJournal), not a write-through one.</summary>
internal static class JournaledFs
{
    public const int BlockSize = 4096;

    /// <summary>Small resource groups and a 64-block journal (so workloads wrap the log).</summary>
    public static MkfsOptions Options(int journals = 1) => new()
    {
        BlockSize = BlockSize, Journals = journals, JournalBytes = 64 * BlockSize, RgrpBytes = 256 * BlockSize,
        LockTable = "crash:fs", Uuid = new Guid("6a1f1d2e-0c43-4d7e-9b55-1f0e2d3c4b5a"),
    };

    /// <summary>The bytes of a freshly formatted image of <paramref name="size"/> bytes.</summary>
    public static byte[] FormatImage(long size, MkfsOptions? options = null)
    {
        var dev = new MemoryBlockDevice(size);
        Assert.Equal(Errno.OK, Mkfs.Format(dev, options ?? Options(), out var problem));
        Assert.Null(problem);
        return dev.ToArray();
    }

    /// <summary>The location of journal <paramref name="index"/> as the superblock records it.</summary>
    public static JournalLocation JournalOf(IBlockDevice dev, int index = 0)
    {
        Assert.Equal(Errno.OK, Volume.Open(dev, null, null, out var probe, out var problem));
        using (probe)
            return probe!.Sb.Journals[index].ToLocation(probe.BlockSize);
    }

    /// <summary>Mounts journal <paramref name="index"/> (replaying it if dirty) and the volume over it.</summary>
    public static Volume Mount(IBlockDevice dev, out MetadataJournal journal, int index = 0)
    {
        var e = MetadataJournal.Mount(dev, JournalOf(dev, index), static () => true, out var j, out var report);
        Assert.True(e.IsOk, report.Problem);
        journal = j!;
        e = Volume.Open(dev, journal, null, out var vol, out var problem);
        Assert.True(e.IsOk, problem);
        return vol!;
    }
}
