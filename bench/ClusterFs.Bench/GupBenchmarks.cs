using BenchmarkDotNet.Attributes;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Bench;

/// <summary>GetUserPages(NoFault) over 256 resident pages, per page, against touching the same 256
/// resident pages with a 1-byte CopyFromUser each (the baseline).</summary>
public class GupBenchmarks
{
    private const int Pages = 256;
    private AddressSpace _mm = null!;
    private ulong _addr;
    private readonly Page[] _pages = new Page[Pages];
    private readonly byte[] _one = new byte[1];

    [GlobalSetup]
    public void Setup()
    {
        _mm = new AddressSpace();
        _addr = (ulong)_mm.Mmap(0, Pages * Page.Size, Prot.Read | Prot.Write, MapFlags.Private);
        if (_mm.CopyToUser(_addr, new byte[Pages * Page.Size]) != 0) throw new InvalidOperationException("setup copy failed");
    }

    [GlobalCleanup]
    public void Cleanup() => _mm.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Pages)]
    public long TouchEachPageWithOneByteCopy()
    {
        long left = 0;
        for (int i = 0; i < Pages; i++) left += _mm.CopyFromUser(_addr + ((ulong)i << Page.Shift), _one);
        return left;
    }

    [Benchmark(OperationsPerInvoke = Pages)]
    public long GupNoFaultGetAndPut()
    {
        long got = _mm.GetUserPages(_addr, Pages, GupFlags.NoFault | GupFlags.Write, _pages);
        AddressSpace.ReleasePages(_pages, GupFlags.None);
        return got;
    }

    [Benchmark(OperationsPerInvoke = Pages)]
    public long GupNoFaultPinAndUnpin()
    {
        long got = _mm.GetUserPages(_addr, Pages, GupFlags.NoFault | GupFlags.Write | GupFlags.Pin, _pages);
        AddressSpace.ReleasePages(_pages, GupFlags.Pin);
        return got;
    }
}
