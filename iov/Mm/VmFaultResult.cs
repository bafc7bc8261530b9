namespace ClusterFs.Iov.Mm;

/// <summary>vm_fault_t: the outcome of a fault handler.</summary>
public enum VmFaultResult
{
    /// <summary>Handled: the page is mapped (or <see cref="VmFault.Page"/> was set for the caller to map).</summary>
    Ok = 0,
    /// <summary>VM_FAULT_RETRY: the handler dropped the mmap lock (see <see cref="VmFault.ReleaseLock"/>); the fault is retried.</summary>
    Retry,
    /// <summary>VM_FAULT_SIGBUS: e.g. beyond end of file. Accesses fail with EFAULT.</summary>
    SigBus,
    /// <summary>VM_FAULT_SIGSEGV. Accesses fail with EFAULT.</summary>
    SigSegv,
    /// <summary>VM_FAULT_OOM: ENOMEM.</summary>
    Oom,
    /// <summary>VM_FAULT_HWPOISON: EHWPOISON.</summary>
    HwPoison,
}
