using BenchmarkDotNet.Attributes;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Bench;

/// <summary>AddressSpace.CopyToUser / CopyFromUser over resident pages against Span.CopyTo of the same
/// bytes (the baseline): the per-page overhead of the page-table walk.</summary>
public class UserCopyBenchmarks
{
    private AddressSpace _mm = null!;
    private ulong _addr;
    private byte[] _buffer = null!;
    private byte[] _source = null!;

    [Params(4096, 65536, 1 << 20)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _mm = new AddressSpace();
        _addr = (ulong)_mm.Mmap(0, Size, Prot.Read | Prot.Write, MapFlags.Private);
        _buffer = new byte[Size];
        _source = new byte[Size];
        if (_mm.CopyToUser(_addr, _source) != 0) throw new InvalidOperationException("setup copy failed");
    }

    [GlobalCleanup]
    public void Cleanup() => _mm.Dispose();

    [Benchmark(Baseline = true)]
    public void SpanCopyTo() => _source.AsSpan().CopyTo(_buffer);

    [Benchmark]
    public long CopyFromUser() => _mm.CopyFromUser(_addr, _buffer);

    [Benchmark]
    public long CopyToUser() => _mm.CopyToUser(_addr, _source);
}
