using ClusterFs.Fs.Journal;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Journal;

/// <summary>
/// Journal-level crash test: a seeded random workload of transactions (random metadata blocks and images) with
/// data writes before some commits (ordered data) and some fsync-like flushes, run on a
/// <see cref="FaultInjectingDevice"/> that loses power at a chosen write. After replaying the crash image, the
/// metadata area must equal the state after exactly the acknowledged transactions, or after those plus the one
/// in flight; the data written before every replayed commit, and every fsync'd data block, must be intact.
/// </summary>
internal sealed class JournalCrashHarness
{
    public const int BlockSize = 4096;
    public const int MetaBlocks = 24;   // home blocks [0, 24) are metadata
    public const int DataStart = 24;    // data block of transaction i: DataStart + i
    public const int MaxTransactions = 120;
    public const long JournalStartBlock = DataStart + MaxTransactions;
    public const int JournalBlocks = 20; // small, so the workload wraps the log many times

    private readonly List<Step> _steps = [];
    private readonly byte[] _formatted;

    public static JournalLocation Extent => new(JournalStartBlock * BlockSize, JournalBlocks, BlockSize);

    public JournalCrashHarness(int seed, int transactions)
    {
        if (transactions > MaxTransactions) throw new ArgumentOutOfRangeException(nameof(transactions));
        var rng = new Random(seed);
        for (int i = 0; i < transactions; i++)
        {
            byte[]? data = rng.Next(10) < 6 ? RandomBlock(rng) : null;
            bool fsync = data is not null && rng.Next(10) < 3;
            int count = rng.Next(1, 7);
            var meta = new List<(long Block, byte[] Image)>();
            for (int k = 0; k < count; k++) meta.Add((rng.Next(MetaBlocks), RandomBlock(rng)));
            _steps.Add(new Step(data, fsync, meta));
        }
        var mem = new MemoryBlockDevice((JournalStartBlock + JournalBlocks) * BlockSize);
        Assert.Equal(Errno.OK, MetadataJournal.Format(mem, Extent, journalId: (ulong)seed + 1));
        _formatted = mem.ToArray();
    }

    /// <summary>Writes the uncut workload issues (so cut points can be drawn from [0, total]).</summary>
    public long CountWrites()
    {
        var dev = new FaultInjectingDevice(new MemoryBlockDevice((byte[])_formatted.Clone()), seed: 0);
        Assert.Equal(Errno.OK, RunWorkload(dev, out int acked, out _, out _));
        Assert.Equal(_steps.Count, acked);
        return dev.WritesIssued;
    }

    /// <summary>Runs the workload with power failing at write <paramref name="cut"/>, replays the crash image and
    /// checks it; then mounts it and commits once more. Throws (xunit assertion) on any violation.</summary>
    /// <returns>What happened, so callers can check the cuts covered the interesting cases.</returns>
    public CrashOutcome RunAndCheck(long cut, CacheLossMode mode, int deviceSeed)
    {
        var dev = new FaultInjectingDevice(new MemoryBlockDevice((byte[])_formatted.Clone()), deviceSeed, mode);
        dev.CrashAtWrite(cut, tear: true);
        RunWorkload(dev, out int acked, out bool inFlight, out var fsynced);
        var image = new MemoryBlockDevice(dev.CrashImage());

        var report = JournalReplay.Replay(image, Extent, static () => true);
        Assert.True(report.Error.IsOk, $"cut {cut}: replay failed: {report.Error} {report.Problem}");

        var actual = image.ToArray();
        int k = MatchingPrefix(actual, acked, inFlight);
        Assert.True(k >= 0, $"cut {cut} ({mode}, seed {deviceSeed}): metadata matches neither {acked} nor {acked + 1} transactions");
        for (int i = 0; i < k; i++)
        {
            if (_steps[i].Data is { } d)
                Assert.True(d.AsSpan().SequenceEqual(actual.AsSpan((DataStart + i) * BlockSize, BlockSize)),
                    $"cut {cut}: data written before committed transaction {i} is missing (ordered data)");
        }
        foreach (int i in fsynced)
        {
            Assert.True(_steps[i].Data.AsSpan().SequenceEqual(actual.AsSpan((DataStart + i) * BlockSize, BlockSize)),
                $"cut {cut}: fsync'd data of step {i} is missing");
        }

        // The recovered journal is usable: a clean mount, one more commit lands in place.
        Assert.Equal(Errno.OK, MetadataJournal.Mount(image, Extent, static () => true, out var journal, out var again));
        Assert.False(again.WasDirty, $"cut {cut}: journal still dirty after replay");
        using (var tx = journal!.Begin())
        {
            tx.Log(0, Enumerable.Repeat((byte)0xA5, BlockSize).ToArray());
            Assert.Equal(Errno.OK, tx.Commit());
        }
        Assert.Equal(0xA5, image.ToArray()[BlockSize - 1]);
        return new CrashOutcome(acked, k, inFlight, report.TransactionsReplayed);
    }

    private Errno RunWorkload(IBlockDevice dev, out int acked, out bool inFlight, out List<int> fsynced)
    {
        acked = 0;
        inFlight = false;
        fsynced = [];
        var err = MetadataJournal.Mount(dev, Extent, static () => true, out var journal, out _);
        if (!err.IsOk) return err;
        for (int i = 0; i < _steps.Count; i++)
        {
            var step = _steps[i];
            if (step.Data is not null)
            {
                if (!(err = dev.Write((DataStart + i) * (long)BlockSize, step.Data)).IsOk) return err;
                if (step.Fsync)
                {
                    if (!(err = dev.Flush()).IsOk) return err;
                    fsynced.Add(i);
                }
            }
            using var tx = journal!.Begin();
            foreach (var (block, image) in step.Meta) tx.Log(block, image);
            inFlight = true;
            if (!(err = tx.Commit()).IsOk) return err;
            inFlight = false;
            acked++;
        }
        // Unmount's header write and flushes are cut points too.
        return journal!.Unmount();
    }

    /// <summary>Returns the number of transactions whose cumulative state the metadata area equals: acked, or
    /// acked + 1 when a commit was in flight; -1 when neither.</summary>
    private int MatchingPrefix(byte[] actual, int acked, bool inFlight)
    {
        if (MetaEquals(actual, StateAfter(acked))) return acked;
        if (inFlight && MetaEquals(actual, StateAfter(acked + 1))) return acked + 1;
        return -1;
    }

    private byte[] StateAfter(int transactions)
    {
        var state = new byte[MetaBlocks * BlockSize];
        for (int i = 0; i < transactions; i++)
            foreach (var (block, image) in _steps[i].Meta) image.CopyTo(state, block * BlockSize);
        return state;
    }

    private static bool MetaEquals(byte[] actual, byte[] state) => actual.AsSpan(0, state.Length).SequenceEqual(state);

    private static byte[] RandomBlock(Random rng)
    {
        var b = new byte[BlockSize];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>Transactions acknowledged before the crash, transactions visible after replay, whether a commit
    /// was in flight, and how many transactions the replay wrote in place.</summary>
    public readonly record struct CrashOutcome(int Acknowledged, int Recovered, bool CommitInFlight, int Replayed);

    private sealed record Step(byte[]? Data, bool Fsync, List<(long Block, byte[] Image)> Meta);
}
