namespace ClusterFs.Iov.Mm;

/// <summary>
/// The fault side of a userfault context, as the VMA fault handlers see it (handle_userfault). Kept
/// as an interface so the memory model does not depend on the userfault layer.
/// </summary>
internal interface IUserfaultHandler
{
    /// <summary>Handles a fault of <paramref name="reason"/> (exactly one mode) with the fault lock held.
    /// Either returns an error (SIGBUS) with the lock held, or releases the lock through
    /// <see cref="VmFault.ReleaseLock"/>, blocks until the fault is resolved, woken, interrupted by a
    /// signal or the context is released, and returns <see cref="VmFaultResult.Retry"/>.</summary>
    VmFaultResult HandleUserfault(VmFault vmf, UserfaultModes reason);

    /// <summary>UFFD_FEATURE_WP_ASYNC: a write to a write-protected page is resolved in place (the bit is
    /// cleared, the page counts as written) instead of being reported.</summary>
    bool WriteProtectAsync { get; }

    /// <summary>Queues a non-cooperative REMOVE (<paramref name="unmap"/> false) or UNMAP event for [start, end)
    /// if the context asked for it, marking the layout as changing (fills give EAGAIN) until the event is
    /// read. Returns the event to wait for after the layout lock is dropped, or null. Called with the mmap
    /// lock held exclusive.</summary>
    object? PostLayoutEvent(bool unmap, ulong start, ulong end);

    /// <summary>Waits until the event is read (or the context released, or a fatal signal arrives, which
    /// aborts it). Called without any mm lock.</summary>
    void WaitLayoutEvent(object layoutEvent);
}
