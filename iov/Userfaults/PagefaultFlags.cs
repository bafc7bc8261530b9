namespace ClusterFs.Iov.Userfaults;

/// <summary>UFFD_PAGEFAULT_FLAG_*: neither WP nor Minor means a missing-page fault.</summary>
[Flags]
public enum PagefaultFlags : ulong
{
    None = 0,
    Write = 1,
    WriteProtect = 2,
    Minor = 4,
}
