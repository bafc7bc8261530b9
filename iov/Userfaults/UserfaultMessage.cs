namespace ClusterFs.Iov.Userfaults;

/// <summary>struct uffd_msg for a page fault (UFFD_EVENT_PAGEFAULT).</summary>
/// <param name="Event">The event code (<see cref="EventPagefault"/>).</param>
/// <param name="Flags">Write / write-protect flags of the fault.</param>
/// <param name="Address">Page-aligned fault address, or the exact one with <see cref="UserfaultFeatures.ExactAddress"/>.</param>
/// <param name="ThreadId">The faulting task's id with <see cref="UserfaultFeatures.ThreadId"/>, else 0.</param>
public readonly record struct UserfaultMessage(byte Event, PagefaultFlags Flags, ulong Address, int ThreadId)
{
    public const byte EventPagefault = 0x12;
}
