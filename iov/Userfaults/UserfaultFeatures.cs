namespace ClusterFs.Iov.Userfaults;

/// <summary>UFFD_FEATURE_* bits (uapi numbering).</summary>
[Flags]
public enum UserfaultFeatures : ulong
{
    None = 0,
    PagefaultFlagWp = 1 << 0,
    EventFork = 1 << 1,
    EventRemap = 1 << 2,
    EventRemove = 1 << 3,
    MissingHugetlbfs = 1 << 4,
    MissingShmem = 1 << 5,
    EventUnmap = 1 << 6,
    /// <summary>Faults in registered ranges get SIGBUS instead of a message.</summary>
    Sigbus = 1 << 7,
    /// <summary>Messages carry the faulting task's id.</summary>
    ThreadId = 1 << 8,
    MinorHugetlbfs = 1 << 9,
    MinorShmem = 1 << 10,
    /// <summary>Messages carry the exact faulting address instead of the page address.</summary>
    ExactAddress = 1 << 11,
    WpHugetlbfsShmem = 1 << 12,
    WpUnpopulated = 1 << 13,
    Poison = 1 << 14,
    WpAsync = 1 << 15,
    Move = 1 << 16,
}
