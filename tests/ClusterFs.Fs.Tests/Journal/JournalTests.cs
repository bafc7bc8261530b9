using ClusterFs.Fs.Journal;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Journal;

public class JournalTests
{
    private const int Bs = 4096;
    private const int HomeBlocks = 64;
    private static readonly JournalLocation s_extent = new(HomeBlocks * Bs, 16, Bs);

    private static MemoryBlockDevice NewDevice(int journals = 1)
    {
        var dev = new MemoryBlockDevice((HomeBlocks + 16L * journals) * Bs);
        for (int j = 0; j < journals; j++) Assert.Equal(Errno.OK, MetadataJournal.Format(dev, ExtentOf(j), journalId: (ulong)j + 100));
        return dev;
    }

    private static JournalLocation ExtentOf(int journal) => s_extent with { StartOffset = (HomeBlocks + 16L * journal) * Bs };

    private static MetadataJournal Mount(IBlockDevice dev, JournalLocation? extent = null)
    {
        Assert.Equal(Errno.OK, MetadataJournal.Mount(dev, extent ?? s_extent, static () => true, out var j, out var report));
        Assert.True(report.Error.IsOk);
        return j!;
    }

    private static byte[] Block(byte fill, int salt = 0)
    {
        var b = Enumerable.Repeat(fill, Bs).ToArray();
        b[Bs - 1] = (byte)salt;
        return b;
    }

    private static byte[] ReadBlock(IBlockDevice dev, long block)
    {
        var b = new byte[Bs];
        Assert.Equal(Errno.OK, dev.Read(block * Bs, b));
        return b;
    }

    private static Errno CommitOne(IMetadataJournal journal, params (long Block, byte[] Image)[] images)
    {
        using var tx = journal.Begin();
        foreach (var (block, image) in images) tx.Log(block, image);
        return tx.Commit();
    }

    /// <summary>Commits on a fault-injecting device whose first in-place write fails, so the transaction is
    /// durable only in the log; returns the device content as a crash leaves it.</summary>
    private static MemoryBlockDevice CommitOnlyToLog(MemoryBlockDevice baseDevice, int seed, params (long Block, byte[] Image)[] images)
    {
        var dev = new FaultInjectingDevice(baseDevice, seed);
        var journal = Mount(dev);
        // Mount's replay writes one header; the commit writes the log in one piece, then the in-place writes.
        dev.FailWrite(dev.WritesIssued + 1);
        Assert.Equal(Errno.EIO, CommitOne(journal, images));
        return new MemoryBlockDevice(dev.CrashImage());
    }

    [Fact]
    public void A_commit_writes_every_image_in_place_and_unmount_leaves_nothing_to_replay()
    {
        var dev = NewDevice();
        var journal = Mount(dev);
        Assert.Equal(Errno.OK, CommitOne(journal, (3, Block(1)), (9, Block(2))));
        Assert.Equal(Block(1), ReadBlock(dev, 3));
        Assert.Equal(Block(2), ReadBlock(dev, 9));
        Assert.True(JournalReplay.Inspect(dev, s_extent).WasDirty);
        Assert.Equal(Errno.OK, journal.Unmount());
        Assert.False(JournalReplay.Inspect(dev, s_extent).WasDirty);
        Assert.Equal(Errno.EROFS, CommitOne(journal, (3, Block(5))));
    }

    [Fact]
    public void Logging_a_block_twice_keeps_the_last_image()
    {
        var dev = NewDevice();
        var journal = Mount(dev);
        Assert.Equal(Errno.OK, CommitOne(journal, (4, Block(1)), (5, Block(2)), (4, Block(3))));
        Assert.Equal(Block(3), ReadBlock(dev, 4));
        var image = CommitOnlyToLog(dev, seed: 1, (6, Block(7)), (6, Block(8)));
        Assert.True(JournalReplay.Replay(image, s_extent, static () => true).Error.IsOk);
        Assert.Equal(Block(8), ReadBlock(image, 6));
    }

    [Fact]
    public void A_committed_transaction_whose_in_place_writes_were_lost_is_replayed_on_mount()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            var image = CommitOnlyToLog(NewDevice(), seed, (1, Block(0x11)), (2, Block(0x22)), (40, Block(0x33)));
            Assert.Equal(Errno.OK, MetadataJournal.Mount(image, s_extent, static () => true, out _, out var report));
            Assert.True(report.WasDirty);
            Assert.Equal(1, report.TransactionsReplayed);
            Assert.Equal(3, report.BlocksWritten);
            Assert.Equal(Block(0x11), ReadBlock(image, 1));
            Assert.Equal(Block(0x22), ReadBlock(image, 2));
            Assert.Equal(Block(0x33), ReadBlock(image, 40));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_torn_or_missing_commit_block_makes_replay_ignore_the_transaction(bool damageCommitSector)
    {
        var mem = NewDevice();
        var dev = new FaultInjectingDevice(mem, seed: 5);
        var journal = Mount(dev);
        Assert.Equal(Errno.OK, CommitOne(journal, (7, Block(1))));
        long logWrite = dev.WritesIssued;
        long logPos = 3; // the first transaction used log positions 0..2: descriptor, image, commit
        // Second transaction: descriptor, 2 images, commit = 4 blocks. Either the commit block never reaches the
        // device (a prefix tear), or it does and its first sector (where its fields are) is damaged afterwards.
        int sectorsPerBlock = Bs / dev.SectorSize;
        dev.TearWrite(logWrite, sectorsKept: damageCommitSector ? 4 * sectorsPerBlock : 3 * sectorsPerBlock);
        dev.FailWrite(logWrite + 1); // stop before the in-place writes
        Assert.Equal(Errno.EIO, CommitOne(journal, (7, Block(2)), (8, Block(3))));
        var image = new MemoryBlockDevice(dev.CrashImage());
        long commitOffset = s_extent.LogOffset(logPos + 3);
        var commit = new byte[dev.SectorSize];
        Assert.Equal(Errno.OK, image.Read(commitOffset, commit));
        Assert.Equal(damageCommitSector, commit[0] != 0);
        if (damageCommitSector)
        {
            commit[40] ^= 0x01;
            Assert.Equal(Errno.OK, image.Write(commitOffset, commit));
        }
        var report = JournalReplay.Replay(image, s_extent, static () => true);
        Assert.True(report.Error.IsOk);
        Assert.Equal(1, report.TransactionsFound);
        Assert.Equal(Block(1), ReadBlock(image, 7));
        Assert.Equal(new byte[Bs], ReadBlock(image, 8));
    }

    [Fact]
    public void Data_written_before_a_commit_is_durable_whenever_the_commit_is()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var mem = NewDevice();
            var dev = new FaultInjectingDevice(mem, seed);
            var journal = Mount(dev);
            Assert.Equal(Errno.OK, dev.Write(30L * Bs, Block(0xDA)));
            Assert.Equal(Errno.OK, CommitOne(journal, (2, Block(0x30))));
            var image = new MemoryBlockDevice(dev.CrashImage());
            Assert.True(JournalReplay.Replay(image, s_extent, static () => true).Error.IsOk);
            Assert.Equal(Block(0x30), ReadBlock(image, 2));
            Assert.Equal(Block(0xDA), ReadBlock(image, 30));
        }
    }

    [Fact]
    public void The_log_wraps_around_many_times_and_every_commit_stays_replayable()
    {
        var dev = NewDevice();
        var journal = Mount(dev);
        var rng = new Random(2);
        var model = new Dictionary<long, byte[]>();
        long logged = 0;
        for (int i = 0; i < 300; i++)
        {
            int n = rng.Next(1, 6);
            var images = Enumerable.Range(0, n).Select(_ => ((long)rng.Next(HomeBlocks), Block((byte)rng.Next(256), i))).ToArray();
            Assert.Equal(Errno.OK, CommitOne(journal, images));
            foreach (var (b, img) in images) model[b] = img;
            logged += n + 2;
            // Drop the in-place writes of the last commit (as a crash could) and check replay restores them.
            if (i % 37 == 0)
            {
                var copy = new MemoryBlockDevice(dev.ToArray());
                foreach (var (b, _) in images) Assert.Equal(Errno.OK, copy.Write(b * Bs, new byte[Bs]));
                Assert.True(JournalReplay.Replay(copy, s_extent, static () => true).Error.IsOk);
                foreach (var (b, img) in model) Assert.Equal(img, ReadBlock(copy, b));
            }
        }
        Assert.True(logged > 20 * s_extent.LogBlocks, "the workload did not wrap the log many times");
        foreach (var (b, img) in model) Assert.Equal(img, ReadBlock(dev, b));
    }

    [Fact]
    public void A_transaction_larger_than_the_journal_fails_with_EFBIG_before_anything_is_written()
    {
        var mem = NewDevice();
        var dev = new FaultInjectingDevice(mem, seed: 1);
        var journal = Mount(dev);
        long writes = dev.WritesIssued, flushes = dev.FlushesCompleted;
        int max = journal.MaxBlocksPerTransaction;
        var tooBig = Enumerable.Range(0, max + 1).Select(i => ((long)i, Block(1))).ToArray();
        Assert.Equal(Errno.EFBIG, CommitOne(journal, tooBig));
        Assert.Equal(writes, dev.WritesIssued);
        Assert.Equal(flushes, dev.FlushesCompleted);
        var fits = Enumerable.Range(0, max).Select(i => ((long)i, Block(2))).ToArray();
        Assert.Equal(Errno.OK, CommitOne(journal, fits));
        Assert.Equal(Block(2), ReadBlock(dev, max - 1));
    }

    [Fact]
    public void Replaying_twice_or_after_a_crash_during_replay_gives_the_same_blocks()
    {
        for (int seed = 0; seed < 30; seed++)
        {
            var image = CommitOnlyToLog(NewDevice(), seed, (1, Block(1)), (2, Block(2)), (3, Block(3)));
            // A crash at a random write of the first replay, then a full replay of what survived.
            var faulty = new FaultInjectingDevice(new MemoryBlockDevice(image.ToArray()), seed);
            faulty.CrashAtWrite(seed % 5);
            JournalReplay.Replay(faulty, s_extent, static () => true);
            var afterCrash = new MemoryBlockDevice(faulty.CrashImage());
            Assert.True(JournalReplay.Replay(afterCrash, s_extent, static () => true).Error.IsOk);
            var second = JournalReplay.Replay(afterCrash, s_extent, static () => true);
            Assert.True(second.Error.IsOk);
            Assert.False(second.WasDirty);
            for (int b = 1; b <= 3; b++) Assert.Equal(Block((byte)b), ReadBlock(afterCrash, b));
        }
    }

    [Fact]
    public void Another_node_replays_a_dead_nodes_journal_given_its_extent_while_holding_its_lock()
    {
        var dev = NewDevice(journals: 2);
        var node1 = ExtentOf(1);
        var faulty = new FaultInjectingDevice(dev, seed: 4);
        Assert.Equal(Errno.OK, MetadataJournal.Mount(faulty, node1, static () => true, out var dead, out _));
        faulty.FailWrite(faulty.WritesIssued + 1);
        Assert.Equal(Errno.EIO, CommitOne(dead!, (12, Block(0x12))));
        var image = new MemoryBlockDevice(faulty.CrashImage());
        var survivor = Mount(image, ExtentOf(0));

        var refused = JournalReplay.Replay(image, node1, static () => false);
        Assert.Equal(Errno.ENOLCK, refused.Error);
        Assert.Equal(new byte[Bs], ReadBlock(image, 12));

        var report = JournalReplay.Replay(image, node1, static () => true);
        Assert.True(report.Error.IsOk);
        Assert.True(report.WasDirty);
        Assert.Equal(Block(0x12), ReadBlock(image, 12));
        Assert.Equal(Errno.OK, CommitOne(survivor, (13, Block(0x13))));
    }

    [Fact]
    public void An_image_that_looks_like_a_journal_block_is_escaped_and_replayed_exactly()
    {
        var lookalike = Block(0x44);
        BitConverter.TryWriteBytes(lookalike, 0x4A53_4643u);
        var image = CommitOnlyToLog(NewDevice(), seed: 2, (5, lookalike));
        Assert.True(JournalReplay.Replay(image, s_extent, static () => true).Error.IsOk);
        Assert.Equal(lookalike, ReadBlock(image, 5));
    }

    [Fact]
    public void A_corrupt_journal_header_fails_mount_with_EUCLEAN_naming_the_blocks_and_writes_nothing()
    {
        var dev = NewDevice();
        var header = ReadBlock(dev, HomeBlocks);
        header[100] ^= 0xFF;
        Assert.Equal(Errno.OK, dev.Write((long)HomeBlocks * Bs, header));
        var before = dev.ToArray();
        Assert.Equal(Errno.EUCLEAN, MetadataJournal.Mount(dev, s_extent, static () => true, out var journal, out var report));
        Assert.Null(journal);
        Assert.Contains("journal blocks 0 and 1", report.Problem);
        Assert.Equal(before, dev.ToArray());
    }

    [Fact]
    public void After_a_device_error_the_journal_withdraws_and_the_next_mount_recovers()
    {
        var mem = NewDevice();
        var dev = new FaultInjectingDevice(mem, seed: 9);
        var journal = Mount(dev);
        dev.AddBadRange(20L * Bs, Bs, failReads: false);
        Assert.Equal(Errno.EIO, CommitOne(journal, (20, Block(1)), (21, Block(2))));
        long writes = dev.WritesIssued;
        Assert.Equal(Errno.EIO, CommitOne(journal, (22, Block(3))));
        Assert.Equal(writes, dev.WritesIssued);
        var image = new MemoryBlockDevice(dev.CrashImage());
        Assert.True(JournalReplay.Replay(image, s_extent, static () => true).WasDirty);
        Assert.Equal(Block(2), ReadBlock(image, 21));
    }

    [Fact]
    public async Task Concurrent_commits_all_land_and_replay_to_the_same_state()
    {
        var dev = NewDevice();
        var journal = Mount(dev);
        var tasks = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 50; i++)
                Assert.Equal(Errno.OK, CommitOne(journal, (t * 10 + i % 10, Block((byte)(t + 1), i))));
        })).ToArray();
        // Bounded: a deadlock in the commit queue fails with a TimeoutException.
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        var copy = new MemoryBlockDevice(dev.ToArray());
        Assert.True(JournalReplay.Replay(copy, s_extent, static () => true).Error.IsOk);
        for (int t = 0; t < 4; t++)
            for (int i = 40; i < 50; i++)
            {
                Assert.Equal(Block((byte)(t + 1), i), ReadBlock(dev, t * 10 + i % 10));
                Assert.Equal(Block((byte)(t + 1), i), ReadBlock(copy, t * 10 + i % 10));
            }
    }

    [Fact]
    public void Logging_a_block_inside_the_journal_or_of_the_wrong_size_is_rejected()
    {
        var journal = Mount(NewDevice());
        using var tx = journal.Begin();
        Assert.Throws<ArgumentException>(() => tx.Log(HomeBlocks + 1, Block(1)));
        Assert.Throws<ArgumentException>(() => tx.Log(1, new byte[100]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tx.Log(HomeBlocks + 16, Block(1)));
    }

    [Fact]
    public void An_unreadable_log_block_fails_replay_with_EIO_and_writes_nothing()
    {
        var image = CommitOnlyToLog(NewDevice(), seed: 3, (1, Block(1)));
        var dev = new FaultInjectingDevice(image, seed: 3);
        dev.AddBadRange(s_extent.LogOffset(0), Bs, failReads: true, failWrites: false);
        var report = JournalReplay.Replay(dev, s_extent, static () => true);
        Assert.Equal(Errno.EIO, report.Error);
        Assert.Contains("position 0", report.Problem);
        Assert.Equal(0, dev.WritesIssued);
    }

    [Fact]
    public void Replay_of_a_journal_with_random_flipped_bytes_never_throws_and_never_applies_part_of_a_transaction()
    {
        var dirty = CommitOnlyToLog(NewDevice(), seed: 8, (1, Block(1)), (2, Block(2)), (3, Block(3))).ToArray();
        var rng = new Random(8);
        int journalBytes = 16 * Bs;
        for (int iteration = 0; iteration < 2000; iteration++)
        {
            var bytes = (byte[])dirty.Clone();
            for (int f = rng.Next(1, 5); f > 0; f--) bytes[HomeBlocks * Bs + rng.Next(journalBytes)] ^= (byte)rng.Next(1, 256);
            var image = new MemoryBlockDevice(bytes);
            var report = JournalReplay.Replay(image, s_extent, static () => true);
            Assert.True(report.Error == Errno.OK || report.Error == Errno.EUCLEAN, $"iteration {iteration}: {report.Error}");
            bool applied = ReadBlock(image, 1)[0] == 1;
            for (int b = 1; b <= 3; b++) Assert.Equal(applied ? Block((byte)b) : new byte[Bs], ReadBlock(image, b));
        }
    }
}
