using System.Collections.Concurrent;

namespace ClusterFs.Iov.Mm;

/// <summary>The object behind a shared anonymous mapping (shmem): zero-filled pages created on first
/// fault and shared by every VMA mapping it.</summary>
internal sealed class ShmemOperations : IVmOperations
{
    private readonly ConcurrentDictionary<long, Page> _pages = new();
    private readonly long _pageCount;

    public ShmemOperations(long pageCount) => _pageCount = pageCount;

    public VmFaultResult Fault(VmFault vmf)
    {
        if (vmf.PageOffset >= _pageCount) return VmFaultResult.SigBus;
        vmf.Page = _pages.GetOrAdd(vmf.PageOffset, static _ => new Page());
        return VmFaultResult.Ok;
    }
}
