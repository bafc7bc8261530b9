using ClusterFs.Fs.Format;
using ClusterFs.Fs.Journal;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

/// <summary>mkfs leaves every journal formatted and clean, tagged with an id of its own filesystem.</summary>
public class MkfsJournalTests
{
    [Fact]
    public void Every_journal_mounts_after_mkfs_with_nothing_to_replay()
    {
        var dev = TestFs.Format(16 << 20, TestFs.Small() with { Journals = 4 });
        using var vol = TestFs.Mount(dev);
        Assert.Equal(4, vol.Sb.Journals.Count);
        foreach (var j in vol.Sb.Journals)
        {
            var inspect = JournalReplay.Inspect(dev, j.ToLocation(vol.BlockSize));
            Assert.True(inspect.Error.IsOk, inspect.Problem);
            Assert.False(inspect.WasDirty);
            int writesBefore = dev.Writes;
            Assert.Equal(Errno.OK, MetadataJournal.Mount(dev, j.ToLocation(vol.BlockSize), static () => true, out var journal, out var report));
            Assert.NotNull(journal);
            Assert.False(report.WasDirty);
            Assert.Equal(0, report.TransactionsReplayed);
            Assert.Equal(0, report.BlocksWritten);
            Assert.True(dev.Writes - writesBefore <= 1, "mounting a clean journal writes at most its clean header");
        }
    }

    [Fact]
    public void Journal_ids_are_distinct_per_journal_and_per_filesystem()
    {
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var ids = Enumerable.Range(0, 64).Select(i => Mkfs.JournalId(a, i))
            .Concat(Enumerable.Range(0, 64).Select(i => Mkfs.JournalId(b, i))).ToList();
        Assert.DoesNotContain(0UL, ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(Mkfs.JournalId(a, 3), Mkfs.JournalId(a, 3));
    }

    [Fact]
    public void A_committed_transaction_of_an_earlier_filesystem_is_not_replayed_after_mkfs()
    {
        var opts = TestFs.Small();
        var dev = TestFs.Format(8 << 20, opts);
        var sb0 = ReadJournal(dev, out var loc);
        Assert.Equal(Errno.OK, MetadataJournal.Mount(dev, loc, static () => true, out var journal, out _));
        // A transaction logging the superblock's home with garbage: committed, never checkpointed-clean.
        var junk = new byte[sb0];
        Array.Fill(junk, (byte)0x5A);
        using (var tx = journal!.Begin())
        {
            tx.Log(0, junk);
            Assert.Equal(Errno.OK, tx.Commit());
        }
        Assert.True(JournalReplay.Inspect(dev, loc).WasDirty);

        // Re-format with a new UUID (the default): the old log blocks are still there, at the same positions.
        Assert.Equal(Errno.OK, Mkfs.Format(dev, opts with { Uuid = Guid.NewGuid() }, out var problem));
        Assert.Null(problem);
        var after = JournalReplay.Inspect(dev, loc);
        Assert.True(after.Error.IsOk, after.Problem);
        Assert.False(after.WasDirty);
        Assert.True(TestFs.Check(dev).Clean);
    }

    private static int ReadJournal(MemoryBlockDevice dev, out JournalLocation loc)
    {
        using var vol = TestFs.Mount(dev);
        loc = vol.Sb.Journals[0].ToLocation(vol.BlockSize);
        return vol.BlockSize;
    }
}
