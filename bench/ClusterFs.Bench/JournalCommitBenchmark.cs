using BenchmarkDotNet.Attributes;
using ClusterFs.Fs.Journal;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Bench;

/// <summary>
/// Journal commit cost on an image in /dev/shm: one transaction of <see cref="BlocksPerTransaction"/> 4 KiB
/// metadata blocks (log write, two flushes, in-place writes) against the baseline of writing the same blocks in
/// place with positional writes and one flush. Transactions/s = 1 s / mean; MiB/s = blocks × 4 KiB / mean.
/// </summary>
[MemoryDiagnoser]
public class JournalCommitBenchmark
{
    private const int BlockSize = 4096;
    private const int HomeBlocks = 4096;
    private const int JournalBlocks = 8192; // 32 MiB, the mkfs default

    private string _path = "";
    private ShmFileDevice? _device;
    private MetadataJournal? _journal;
    private byte[][] _images = [];
    private long _round;

    [Params(4, 64)]
    public int BlocksPerTransaction { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"clusterfs-journal-bench-{Environment.ProcessId}.img");
        _device = new ShmFileDevice(_path, (long)(HomeBlocks + JournalBlocks) * BlockSize);
        var extent = new JournalLocation((long)HomeBlocks * BlockSize, JournalBlocks, BlockSize);
        Check(MetadataJournal.Format(_device, extent, journalId: 1));
        Check(MetadataJournal.Mount(_device, extent, static () => true, out _journal, out _));
        var rng = new Random(1);
        _images = Enumerable.Range(0, BlocksPerTransaction).Select(_ => { var b = new byte[BlockSize]; rng.NextBytes(b); return b; }).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _device?.Dispose();
        File.Delete(_path);
    }

    [Benchmark(Baseline = true)]
    public Errno RawWritesAndFlush()
    {
        long first = NextFirstBlock();
        for (int i = 0; i < _images.Length; i++) _device!.Write((first + i) * BlockSize, _images[i]);
        return _device!.Flush();
    }

    [Benchmark]
    public Errno JournalCommit()
    {
        long first = NextFirstBlock();
        using var tx = _journal!.Begin();
        for (int i = 0; i < _images.Length; i++) tx.Log(first + i, _images[i]);
        return tx.Commit();
    }

    // Spread the transactions over the home area so both variants touch the same pattern of blocks.
    private long NextFirstBlock() => _round++ * BlocksPerTransaction % (HomeBlocks - BlocksPerTransaction);

    private static void Check(Errno err)
    {
        if (!err.IsOk) throw new InvalidOperationException($"benchmark setup failed: {err}");
    }
}
