using BenchmarkDotNet.Attributes;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Userfaults;

namespace ClusterFs.Bench;

/// <summary>A userfault round trip per page (fault -> message read by a resolver thread -> COPY -> wake ->
/// the access completes) against a plain anonymous write fault (the baseline), both over 256 missing
/// pages that a DONTNEED makes missing again after each pass.</summary>
public class UserfaultRoundTripBenchmarks
{
    private const int Pages = 256;
    private AddressSpace _mm = null!;
    private UserfaultContext _ctx = null!;
    private Thread _resolver = null!;
    private ulong _plain, _registered;
    private readonly byte[] _one = [1];

    [GlobalSetup]
    public void Setup()
    {
        _mm = new AddressSpace();
        _plain = (ulong)_mm.Mmap(0, Pages * Page.Size, Prot.Read | Prot.Write, MapFlags.Private);
        _registered = (ulong)_mm.Mmap(0, Pages * Page.Size, Prot.Read | Prot.Write, MapFlags.Private);
        if (!UserfaultContext.Create(_mm, UserfaultCreateFlags.None, out var ctx).IsOk) throw new InvalidOperationException("create");
        _ctx = ctx!;
        var api = new UffdioApi(UffdioApi.Version, 0, 0);
        if (!_ctx.Api(ref api).IsOk || !_ctx.Register(_registered, Pages * Page.Size, UserfaultModes.Missing, out _).IsOk)
            throw new InvalidOperationException("register");
        _resolver = new Thread(Resolve) { IsBackground = true, Name = "uffd resolver" };
        _resolver.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ctx.Dispose();
        _resolver.Join();
        _mm.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pages)]
    public long AnonymousWriteFault() => TouchAll(_plain);

    [Benchmark(OperationsPerInvoke = Pages)]
    public long UserfaultCopyRoundTrip() => TouchAll(_registered);

    private long TouchAll(ulong start)
    {
        long left = 0;
        for (int i = 0; i < Pages; i++) left += _mm.CopyToUser(start + ((ulong)i << Page.Shift), _one);
        if (!_mm.Madvise(start, Pages * Page.Size, Advice.DontNeed).IsOk) throw new InvalidOperationException("madvise");
        return left;
    }

    private void Resolve()
    {
        var messages = new UserfaultMessage[16];
        var data = new byte[Page.Size];
        while (true)
        {
            long n = _ctx.Read(messages);
            if (n < 0) return; // EBADF at release
            for (int i = 0; i < n; i++)
            {
                var r = _ctx.Copy(messages[i].Address & Page.Mask, data, UserfaultCopyModes.None, out _);
                if (!r.IsOk && r != Errno.EEXIST) throw new InvalidOperationException($"copy: {r}");
            }
        }
    }
}
