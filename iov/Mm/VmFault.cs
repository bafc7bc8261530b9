using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Mm;

/// <summary>
/// struct vm_fault: one fault being handled. Created by the fault loop with the fault lock held (the
/// VMA's own read lock, or the mmap lock shared when that could not be had); a handler that blocks calls <see cref="ReleaseLock"/> first and returns
/// <see cref="VmFaultResult.Retry"/>, and the loop retakes the lock and retries with
/// <see cref="FaultFlags.Tried"/>.
/// </summary>
public sealed class VmFault
{
    private readonly AddressSpace _mm;

    internal VmFault(AddressSpace mm, Vma vma, ulong realAddress, FaultFlags flags, bool vmaLocked)
    {
        _mm = mm;
        VmaLocked = vmaLocked;
        Vma = vma;
        RealAddress = realAddress;
        Address = realAddress & Page.Mask;
        Flags = flags;
        PageOffset = vma.PageOffset + (long)((Address - vma.Start) >> Page.Shift);
        Task = TaskContext.Current;
    }

    public Vma Vma { get; }

    /// <summary>The page-aligned faulting address.</summary>
    public ulong Address { get; }

    /// <summary>The exact faulting address.</summary>
    public ulong RealAddress { get; }

    /// <summary>The file page index (vm_pgoff + page within the VMA).</summary>
    public long PageOffset { get; }

    public FaultFlags Flags { get; }

    public bool IsWrite => (Flags & FaultFlags.Write) != 0;

    /// <summary>The faulting task.</summary>
    public TaskContext Task { get; }

    /// <summary>The page a file fault handler found; the fault loop maps it.</summary>
    public Page? Page { get; set; }

    /// <summary>The fault holds <see cref="Vma"/>'s own read lock (FAULT_FLAG_VMA_LOCK) rather than the mmap lock.</summary>
    public bool VmaLocked { get; }

    /// <summary>True once the fault lock was dropped; the fault must then be retried.</summary>
    public bool LockReleased { get; private set; }

    /// <summary>Drops the fault lock (release_fault_lock) before blocking. Idempotent. After this the
    /// handler must not touch the VMA's page tables and must return <see cref="VmFaultResult.Retry"/>.</summary>
    public void ReleaseLock()
    {
        if (LockReleased) return;
        LockReleased = true;
        _mm.ReleaseFaultLock(this);
    }
}
