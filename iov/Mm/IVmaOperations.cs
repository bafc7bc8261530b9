namespace ClusterFs.Iov.Mm;

/// <summary>Per-kind fault behaviour of a VMA (one sealed singleton per kind): handle_pte_fault's
/// split into do_anonymous_page, do_fault and the driver faults of IO/PFNMAP ranges.</summary>
internal interface IVmaOperations
{
    /// <summary>Handles a fault on <see cref="VmFault.Address"/> with the fault lock held; the VMA
    /// permits the access. Installs or upgrades the PTE, or returns an error / Retry.</summary>
    VmFaultResult HandleFault(AddressSpace mm, VmFault vmf);

    /// <summary>Whether madvise(DONTNEED) may zap this VMA (EINVAL otherwise, as for VM_PFNMAP).</summary>
    bool AllowsDontNeed { get; }

    /// <summary>Whether an unmap of the file range through the reverse map zaps <paramref name="pte"/>:
    /// private copies (anonymous pages) survive page-cache invalidation.</summary>
    bool ZapOnInvalidate(Pte pte);
}
