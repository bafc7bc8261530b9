namespace ClusterFs.Iov.Mm;

/// <summary>
/// The mappable object behind file-backed VMAs (the kernel's struct address_space, renamed to avoid a
/// clash with <see cref="AddressSpace"/>): its <see cref="IVmOperations"/> and the reverse map of every
/// VMA, in every address space, that maps it. Page-cache invalidation calls <see cref="UnmapRange"/>.
/// </summary>
public sealed class VmMapping
{
    // Lock order: an address space's mmap lock -> RmapLock. Guards _vmas and the range fields of
    // every VMA in it (splits change them under this lock).
    internal readonly object RmapLock = new();
    private readonly HashSet<Vma> _vmas = [];
    private long _invalidateSequence;

    public VmMapping(IVmOperations operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        Operations = operations;
    }

    public IVmOperations Operations { get; }

    /// <summary>The shmem object when this mapping backs shared anonymous memory (which can userfault).</summary>
    internal ShmemOperations? Shmem { get; init; }

    /// <summary>Bumped by every <see cref="UnmapRange"/> before it zaps: a fault that got its page from the
    /// cache before an invalidation notices and drops the PTE it installed (the page-lock and
    /// page->mapping recheck of finish_fault, reduced to a sequence count).</summary>
    internal long InvalidateSequence => Interlocked.Read(ref _invalidateSequence);

    /// <summary>The number of VMAs currently mapping this object.</summary>
    public int MapCount
    {
        get { lock (RmapLock) return _vmas.Count; }
    }

    /// <summary>unmap_mapping_range: zaps every PTE that maps file pages [pageOffset, pageOffset +
    /// pageCount) in every VMA of every address space. Private copies made by copy-on-write survive
    /// (even_cows = false). Later accesses fault the pages in again. Returns the PTEs zapped.</summary>
    public long UnmapRange(long pageOffset, long pageCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pageOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(pageCount);
        long last = pageCount > long.MaxValue - pageOffset ? long.MaxValue : pageOffset + pageCount;
        long zapped = 0;
        Interlocked.Increment(ref _invalidateSequence);
        lock (RmapLock)
        {
            foreach (var vma in _vmas)
            {
                long from = Math.Max(pageOffset, vma.PageOffset);
                long to = Math.Min(last, vma.PageOffset + vma.PageCount);
                if (from >= to) continue;
                ulong startVpn = (vma.Start >> Page.Shift) + (ulong)(from - vma.PageOffset);
                zapped += vma.Owner.ZapPtes(startVpn, startVpn + (ulong)(to - from), vma.Ops.ZapOnInvalidate);
            }
        }
        return zapped;
    }

    /// <summary>Adds a VMA to the reverse map. Caller holds RmapLock.</summary>
    internal void AddLocked(Vma vma) => _vmas.Add(vma);

    /// <summary>Removes a VMA from the reverse map. Caller holds RmapLock.</summary>
    internal void RemoveLocked(Vma vma) => _vmas.Remove(vma);
}
