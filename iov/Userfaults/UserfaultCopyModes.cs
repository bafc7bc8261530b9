namespace ClusterFs.Iov.Userfaults;

/// <summary>UFFDIO_COPY_MODE_* / UFFDIO_ZEROPAGE_MODE_*.</summary>
[Flags]
public enum UserfaultCopyModes
{
    None = 0,
    /// <summary>Fill without waking the waiters (wake later with Wake).</summary>
    DontWake = 1,
    /// <summary>COPY only: map the page write-protected.</summary>
    WriteProtect = 2,
}
