using System.Collections.Concurrent;

namespace ClusterFs.Iov.Mm;

/// <summary>The object behind a shared anonymous mapping (shmem): zero-filled pages created on first
/// fault and shared by every VMA mapping it.</summary>
internal sealed class ShmemOperations : IVmOperations
{
    private readonly ConcurrentDictionary<long, Page> _pages = new();
    private readonly long _pageCount;

    public ShmemOperations(long pageCount) => _pageCount = pageCount;

    /// <summary>Whether the page at <paramref name="pageOffset"/> exists (a missing userfault is only for absent pages).</summary>
    public bool HasPage(long pageOffset) => _pages.ContainsKey(pageOffset);

    /// <summary>Inserts a page filled by a userfault COPY/ZEROPAGE: false when one exists or the offset is
    /// beyond the object.</summary>
    public bool TryInsert(long pageOffset, Page page) => pageOffset < _pageCount && _pages.TryAdd(pageOffset, page);

    public VmFaultResult Fault(VmFault vmf)
    {
        if (vmf.PageOffset >= _pageCount) return VmFaultResult.SigBus;
        vmf.Page = _pages.GetOrAdd(vmf.PageOffset, static _ => new Page());
        return VmFaultResult.Ok;
    }
}
