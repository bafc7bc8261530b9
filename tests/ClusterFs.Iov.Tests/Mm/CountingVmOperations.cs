using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Mm;

/// <summary>A page cache for tests: pages created on demand with a recognisable pattern, calls counted,
/// optional failure beyond <see cref="SizeInPages"/> (SIGBUS) and an optional hook run inside Fault.</summary>
internal sealed class CountingVmOperations : IVmOperations
{
    private readonly Dictionary<long, Page> _cache = [];

    public int FaultCalls;
    public int MkwriteCalls;
    public long SizeInPages { get; set; } = long.MaxValue;
    public Func<VmFault, VmFaultResult?>? OnFault { get; set; }
    public VmFaultResult MkwriteResult { get; set; } = VmFaultResult.Ok;

    public static byte Pattern(long pageOffset, int i) => (byte)(pageOffset * 31 + i * 7 + 1);

    public Page CachePage(long pageOffset)
    {
        lock (_cache)
        {
            if (!_cache.TryGetValue(pageOffset, out var page))
            {
                page = new Page();
                for (int i = 0; i < Page.Size; i++) page.Span[i] = Pattern(pageOffset, i);
                _cache[pageOffset] = page;
            }
            return page;
        }
    }

    public VmFaultResult Fault(VmFault vmf)
    {
        Interlocked.Increment(ref FaultCalls);
        if (OnFault?.Invoke(vmf) is { } forced) return forced;
        if (vmf.PageOffset >= SizeInPages) return VmFaultResult.SigBus;
        vmf.Page = CachePage(vmf.PageOffset);
        return VmFaultResult.Ok;
    }

    public VmFaultResult PageMkwrite(VmFault vmf)
    {
        Interlocked.Increment(ref MkwriteCalls);
        return MkwriteResult;
    }
}
