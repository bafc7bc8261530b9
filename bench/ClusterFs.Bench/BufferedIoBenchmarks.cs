using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ClusterFs.Fs.Api;
using ClusterFs.Fs.Files;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov.Mm;
using Microsoft.Win32.SafeHandles;

namespace ClusterFs.Bench;

/// <summary>
/// Buffered I/O through the in-process API (lock_nolock node on a memory device), each category against a
/// baseline measured in the same run: a cached 256 MiB read into resident user memory vs Span.CopyTo of 256 MiB;
/// 256 writes of 1 MiB from a resident user buffer vs positional writes to a plain /dev/shm file; a 1 MiB read
/// into a buffer whose pages are all absent (the fault-in retry path) vs all resident.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class BufferedIoBenchmarks
{
    private const int Mib = 1 << 20, FileMib = 256;
    private MemoryBlockDevice _dev = null!;
    private FsNode _node = null!;
    private FsProcess _p = null!;
    private int _fd;
    private ulong _big, _small;
    private byte[] _src = null!, _dst = null!;
    private string _shmPath = "";
    private SafeFileHandle _shm = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dev = new MemoryBlockDevice(320L * Mib);
        if (!Mkfs.Format(_dev, new MkfsOptions { JournalBytes = 8 * Mib }, out var problem).IsOk) throw new InvalidOperationException(problem);
        if (!FsNode.Mount(_dev, new NodeOptions(), out var node, out problem).IsOk) throw new InvalidOperationException(problem);
        _node = node!;
        _p = new FsProcess(_node);
        _fd = (int)_p.Open("/bench", OpenFlags.Create | OpenFlags.ReadWrite);
        _big = (ulong)_p.Mm.Mmap(0, (long)FileMib * Mib, Prot.Read | Prot.Write, MapFlags.Private);
        _small = (ulong)_p.Mm.Mmap(0, Mib, Prot.Read | Prot.Write, MapFlags.Private);
        _src = new byte[FileMib * Mib];
        _dst = new byte[FileMib * Mib];
        new Random(1).NextBytes(_src);
        if (_p.Mm.CopyToUser(_big, _src) != 0 || _p.Mm.CopyToUser(_small, _src.AsSpan(0, Mib)) != 0)
            throw new InvalidOperationException("populating user memory failed");
        if (_p.Pwrite(_fd, _big, (long)FileMib * Mib, 0) != (long)FileMib * Mib) throw new InvalidOperationException("initial write failed");
        if (_p.Pread(_fd, _big, (long)FileMib * Mib, 0) != (long)FileMib * Mib) throw new InvalidOperationException("initial read failed");
        _shmPath = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"cfs-buffered-bench-{Environment.ProcessId}");
        _shm = File.OpenHandle(_shmPath, FileMode.Create, FileAccess.ReadWrite);
        for (int i = 0; i < FileMib; i++) RandomAccess.Write(_shm, _src.AsSpan(i * Mib, Mib), (long)i * Mib);

        // Retries per call on the fault-in path (reported, not timed).
        long before = GfsFileOperations.FaultInRounds;
        const int Calls = 20;
        for (int i = 0; i < Calls; i++) ReadAbsent1Mib();
        Console.WriteLine($"// fault-in rounds per 1 MiB read into absent pages: {(GfsFileOperations.FaultInRounds - before) / (double)Calls:F2}");
        before = GfsFileOperations.FaultInRounds;
        for (int i = 0; i < Calls; i++) ReadResident1Mib();
        Console.WriteLine($"// fault-in rounds per 1 MiB read into resident pages: {(GfsFileOperations.FaultInRounds - before) / (double)Calls:F2}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _shm.Dispose();
        File.Delete(_shmPath);
        _p.Dispose();
        _node.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("read256")]
    public void SpanCopy256Mib() => _src.AsSpan().CopyTo(_dst);

    [Benchmark, BenchmarkCategory("read256")]
    public long BufferedReadCached256Mib() => _p.Pread(_fd, _big, (long)FileMib * Mib, 0);

    [Benchmark(Baseline = true), BenchmarkCategory("write256")]
    public void ShmPositionalWrite1MibX256()
    {
        for (int i = 0; i < FileMib; i++) RandomAccess.Write(_shm, _src.AsSpan(i * Mib, Mib), (long)i * Mib);
    }

    [Benchmark, BenchmarkCategory("write256")]
    public long BufferedWrite1MibX256()
    {
        long total = 0;
        for (int i = 0; i < FileMib; i++) total += _p.Pwrite(_fd, _big + (ulong)i * Mib, Mib, (long)i * Mib);
        return total;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("faultin")]
    public long ReadResident1Mib() => _p.Pread(_fd, _small, Mib, 0);

    [Benchmark, BenchmarkCategory("faultin")]
    public long ReadAbsent1Mib()
    {
        _p.Mm.Madvise(_small, Mib, Advice.DontNeed);
        return _p.Pread(_fd, _small, Mib, 0);
    }
}
