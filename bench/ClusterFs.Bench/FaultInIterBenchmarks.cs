using BenchmarkDotNet.Attributes;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Bench;

/// <summary>
/// fault_in_iov_iter_writeable over 1 GiB (262,144 pages) of anonymous memory that is either already
/// resident and writable, or never touched (every page takes a real write fault that allocates it).
/// The baseline is <see cref="FaultIn.SafeWriteable"/> called directly on the same range, so the ratio
/// is the iterator layer's overhead; pages/s = 262,144 / mean. Never-touched memory is dropped with
/// madvise(DONTNEED) before every invocation so each one faults every page again.
/// </summary>
[MemoryDiagnoser]
public class FaultInIterBenchmarks
{
    private const long Size = 1L << 30;

    private AddressSpace _mm = null!;
    private ulong _addr;
    private IovIter _iter = null!;

    public enum Memory { Resident, NeverTouched }

    [Params(Memory.Resident, Memory.NeverTouched)]
    public Memory State { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _mm = new AddressSpace();
        long addr = _mm.Mmap(0, Size, Prot.Read | Prot.Write, MapFlags.Private);
        if (addr <= 0) throw new InvalidOperationException($"mmap failed: {addr}");
        _addr = (ulong)addr;
        _iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, _addr, Size);
        if (State == Memory.Resident && FaultIn.SafeWriteable(_mm, _addr, Size) != 0)
            throw new InvalidOperationException("prefault failed");
    }

    [IterationSetup]
    public void DropPages()
    {
        if (State == Memory.NeverTouched && !_mm.Madvise(_addr, Size, Advice.DontNeed).IsOk)
            throw new InvalidOperationException("madvise failed");
    }

    [GlobalCleanup]
    public void Cleanup() => _mm.Dispose();

    [Benchmark(Baseline = true)]
    public long SafeWriteableDirect() => Check(FaultIn.SafeWriteable(_mm, _addr, Size));

    [Benchmark]
    public long FaultInIovIterWriteable() => Check(FaultInIter.FaultInIovIterWriteable(_iter, Size));

    private static long Check(long left) =>
        left == 0 ? left : throw new InvalidOperationException($"{left} bytes not faulted in");
}
