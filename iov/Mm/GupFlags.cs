namespace ClusterFs.Iov.Mm;

/// <summary>get_user_pages flags (FOLL_*).</summary>
[Flags]
public enum GupFlags : uint
{
    None = 0,
    /// <summary>The caller will write to the pages: needs a writable PTE (breaks COW unless NoFault).</summary>
    Write = 1 << 0,
    /// <summary>Walk the page tables but never fault: a page that is not already suitable gives EFAULT.</summary>
    NoFault = 1 << 1,
    /// <summary>Lockless walk only, no slow path: refuses special PTEs; never returns a negative count.</summary>
    FastOnly = 1 << 2,
    /// <summary>Pin (FOLL_PIN) instead of get (FOLL_GET): release with Unpin.</summary>
    Pin = 1 << 3,
    /// <summary>Mark pages accessed (and dirty on a write).</summary>
    Touch = 1 << 4,
}
