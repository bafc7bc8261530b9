using BenchmarkDotNet.Attributes;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Userfaults;

namespace ClusterFs.Bench;

/// <summary>Asynchronous write-protect dirty tracking of 1 GiB: a 1-byte write to every protected page (each
/// resolved in place and recorded), and the scan that lists the written pages, per page, against the same
/// writes to unprotected resident pages (the baseline).</summary>
public class UserfaultWpAsyncBenchmarks
{
    private const long Size = 1L << 30;
    private const int Pages = (int)(Size / Page.Size);
    private AddressSpace _mm = null!;
    private UserfaultContext _ctx = null!;
    private ulong _addr;
    private readonly byte[] _one = [1];
    private readonly List<ulong> _written = new(Pages);

    [GlobalSetup]
    public void Setup()
    {
        _mm = new AddressSpace();
        _addr = (ulong)_mm.Mmap(0, Size, Prot.Read | Prot.Write, MapFlags.Private);
        if (_mm.ClearUser(_addr, Size) != 0) throw new InvalidOperationException("populate");
        if (!UserfaultContext.Create(_mm, UserfaultCreateFlags.NonBlocking, out var ctx).IsOk) throw new InvalidOperationException("create");
        _ctx = ctx!;
        var api = new UffdioApi(UffdioApi.Version, UserfaultFeatures.WpAsync, 0);
        if (!_ctx.Api(ref api).IsOk || !_ctx.Register(_addr, Size, UserfaultModes.WriteProtect, out _).IsOk)
            throw new InvalidOperationException("register");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ctx.Dispose();
        _mm.Dispose();
    }

    [IterationSetup(Target = nameof(WriteEveryProtectedPage))]
    public void Protect()
    {
        if (!_ctx.WriteProtect(_addr, Size, WriteProtectModes.WriteProtect).IsOk) throw new InvalidOperationException("protect");
    }

    [IterationSetup(Target = nameof(ScanWrittenPages))]
    public void ProtectAndWriteAll()
    {
        Protect();
        WriteAll();
    }

    [IterationSetup(Target = nameof(WriteEveryResidentPage))]
    public void Unprotect()
    {
        if (!_ctx.WriteProtect(_addr, Size, WriteProtectModes.None).IsOk) throw new InvalidOperationException("unprotect");
        WriteAll(); // make every PTE writable again so the baseline takes no faults
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pages)]
    public long WriteEveryResidentPage() => WriteAll();

    [Benchmark(OperationsPerInvoke = Pages)]
    public long WriteEveryProtectedPage() => WriteAll();

    /// <summary>The scan of the 1 GiB range after every page was written, per page (x Pages = the scan time).</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public int ScanWrittenPages()
    {
        _written.Clear();
        if (!_ctx.ScanWritten(_addr, Size, false, _written).IsOk) throw new InvalidOperationException("scan");
        return _written.Count;
    }

    private long WriteAll()
    {
        long left = 0;
        for (int i = 0; i < Pages; i++) left += _mm.CopyToUser(_addr + ((ulong)i << Page.Shift), _one);
        return left;
    }
}
