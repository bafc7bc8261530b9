namespace ClusterFs.Iov.Mm;

/// <summary>VMA flags (VM_*).</summary>
[Flags]
public enum VmaFlags
{
    None = 0,
    Read = 1,
    Write = 2,
    Exec = 4,
    /// <summary>Writes go to the shared object (page cache / shmem) instead of private copies.</summary>
    Shared = 8,
    /// <summary>No file and no shared object: private anonymous memory.</summary>
    Anonymous = 0x10,
    /// <summary>Memory-mapped I/O frames: plain accesses work, every GUP fails with EFAULT.</summary>
    Io = 0x4000,
    /// <summary>Raw frames without struct page semantics (remap_pfn_range): GUP fails with EFAULT.</summary>
    PfnMap = 0x400,
}
