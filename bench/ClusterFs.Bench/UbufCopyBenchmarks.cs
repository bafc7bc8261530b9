using BenchmarkDotNet.Attributes;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Bench;

/// <summary>
/// copy_to_iter / copy_from_iter through a UBUF over resident anonymous pages, against
/// <see cref="Span{T}.CopyTo"/> of the same number of bytes between two arrays (the baseline).
/// The iterator is built once and reverted after each copy, so the iterator layer's own cost per
/// copy is measured; it must not allocate.
/// </summary>
[MemoryDiagnoser]
public class UbufCopyBenchmarks
{
    private AddressSpace _mm = null!;
    private IovIter _dest = null!;
    private IovIter _source = null!;
    private byte[] _src = null!;
    private byte[] _dst = null!;
    private Page[] _frames = null!;

    [Params(4 << 10, 64 << 10, 1 << 20, 16 << 20)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _mm = new AddressSpace();
        long addr = _mm.Mmap(0, Size, Prot.Read | Prot.Write, MapFlags.Private);
        if (addr <= 0) throw new InvalidOperationException($"mmap failed: {addr}");
        _src = new byte[Size];
        _dst = new byte[Size];
        new Random(1).NextBytes(_src);
        // Make every page resident and writable before measuring.
        if (_mm.CopyToUser((ulong)addr, _src) != 0) throw new InvalidOperationException("prefault failed");
        _frames = new Page[Size / Page.Size];
        for (int k = 0; k < _frames.Length; k++)
            _frames[k] = _mm.GetPte((ulong)addr + (ulong)k * Page.Size)!.Page!;
        _dest = IovIter.CreateUbuf(IterDirection.Dest, _mm, (ulong)addr, Size);
        _source = IovIter.CreateUbuf(IterDirection.Source, _mm, (ulong)addr, Size);
    }

    [GlobalCleanup]
    public void Cleanup() => _mm.Dispose();

    [Benchmark(Baseline = true)]
    public void SpanCopyTo() => _src.AsSpan().CopyTo(_dst);

    /// <summary>A page-granular reference: one Span.CopyTo per 4 KiB frame the UBUF maps, with no iterator
    /// and no page-table walk. The gap between this and the baseline is the cost of copying 4 KiB at a time
    /// into the frames' layout; the UBUF copies coalesce frames that are adjacent in a slab and can beat it.</summary>
    [Benchmark]
    public void FramesCopyTo()
    {
        var src = _src.AsSpan();
        for (int k = 0; k < _frames.Length; k++)
            src.Slice(k * Page.Size, Page.Size).CopyTo(_frames[k].Span);
    }

    [Benchmark]
    public long CopyToUbuf()
    {
        long n = _dest.CopyTo(_src);
        _dest.Revert(n);
        return n;
    }

    [Benchmark]
    public long CopyFromUbuf()
    {
        long n = _source.CopyFrom(_dst);
        _source.Revert(n);
        return n;
    }
}
