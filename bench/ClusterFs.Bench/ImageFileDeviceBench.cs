using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ClusterFs.Fs.Storage;
using Microsoft.Win32.SafeHandles;

namespace ClusterFs.Bench;

/// <summary>Sequential 1 MiB writes and reads of a 64 MiB image in /dev/shm: through <see cref="ImageFileDevice"/>
/// against plain positional <see cref="RandomAccess"/> I/O on the same file (the baseline of each category).</summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ImageFileDeviceBench
{
    private const int Chunk = 1 << 20, Chunks = 64;
    private string _path = "";
    private ImageFileDevice _device = null!;
    private SafeFileHandle _plain = null!;
    private readonly byte[] _buffer = new byte[Chunk];

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"cfs-bench-{Environment.ProcessId}.img");
        File.Delete(_path);
        ImageFileDevice.CreateSparse(_path, (long)Chunk * Chunks);
        _device = ImageFileDevice.Open(_path, readOnly: false, direct: false, out _)!;
        _plain = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
        new Random(1).NextBytes(_buffer);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _device.Dispose();
        _plain.Dispose();
        File.Delete(_path);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("write")]
    public void WritePlain()
    {
        for (int i = 0; i < Chunks; i++) RandomAccess.Write(_plain, _buffer, (long)i * Chunk);
    }

    [Benchmark, BenchmarkCategory("write")]
    public void WriteDevice()
    {
        for (int i = 0; i < Chunks; i++) _device.Write((long)i * Chunk, _buffer);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("read")]
    public int ReadPlain()
    {
        int n = 0;
        for (int i = 0; i < Chunks; i++) n += RandomAccess.Read(_plain, _buffer, (long)i * Chunk);
        return n;
    }

    [Benchmark, BenchmarkCategory("read")]
    public int ReadDevice()
    {
        int n = 0;
        for (int i = 0; i < Chunks; i++) n += _device.Read((long)i * Chunk, _buffer).Value;
        return n;
    }
}
