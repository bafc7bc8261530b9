namespace ClusterFs.Iov.Mm;

/// <summary>Page-table entry bits.</summary>
[Flags]
public enum PteFlags : uint
{
    None = 0,
    Present = 1,
    Writable = 2,
    Dirty = 4,
    Accessed = 8,
    /// <summary>No normal page behind it for GUP-fast: the shared zero page, IO and PFNMAP frames.</summary>
    Special = 0x10,
    /// <summary>mprotect(PROT_NONE): the page stays, but every access faults.</summary>
    ProtNone = 0x20,
    /// <summary>userfaultfd write-protect marker (reserved for the userfault layer).</summary>
    UffdWp = 0x40,
}
