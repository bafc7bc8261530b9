namespace ClusterFs.Iov.Userfaults;

/// <summary>struct uffd_msg: a page fault (UFFD_EVENT_PAGEFAULT), or a non-cooperative REMOVE / UNMAP event.</summary>
/// <param name="Event">The event code (<see cref="EventPagefault"/>, <see cref="EventRemove"/>, <see cref="EventUnmap"/>).</param>
/// <param name="Flags">Write / write-protect flags of a fault.</param>
/// <param name="Address">A fault's page-aligned address (the exact one with <see cref="UserfaultFeatures.ExactAddress"/>);
/// an event's range start.</param>
/// <param name="ThreadId">The faulting task's id with <see cref="UserfaultFeatures.ThreadId"/>, else 0.</param>
/// <param name="End">An event's range end (exclusive); 0 for faults.</param>
public readonly record struct UserfaultMessage(byte Event, PagefaultFlags Flags, ulong Address, int ThreadId, ulong End = 0)
{
    public const byte EventPagefault = 0x12;

    /// <summary>madvise(DONTNEED) dropped [Address, End) (UFFD_FEATURE_EVENT_REMOVE).</summary>
    public const byte EventRemove = 0x15;

    /// <summary>munmap removed [Address, End) (UFFD_FEATURE_EVENT_UNMAP).</summary>
    public const byte EventUnmap = 0x16;
}
