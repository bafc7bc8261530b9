using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Mm;

// The fault loop. One routine (RunFault) takes the fault lock, finds and checks the VMA, hands the
// fault to the VMA kind's handler and retries when the handler released the lock (VM_FAULT_RETRY).
// The lock is abstracted behind AcquireFaultLock / ReleaseFaultLock so per-VMA read locks and
// userfaults (which release the lock before blocking) hook in here without changing the callers.
public sealed partial class AddressSpace
{
    /// <summary>handle_mm_fault for a user access (do_user_addr_fault): OK when the page now allows the
    /// access; EFAULT outside any VMA, on a permission fault or a SIGBUS/SIGSEGV from the handler;
    /// ENOMEM, EHWPOISON; EINTR when a fatal signal is pending on a retry. Does not look at the
    /// task's fault-disable depth: user accesses check that before calling.</summary>
    public Errno HandleUserFault(ulong addr, FaultFlags flags)
    {
        if (addr >= TaskSize) return Errno.EFAULT;
        return RunFault(addr, flags & ~FaultFlags.Tried, callerHoldsLock: false);
    }

    /// <summary>fixup_user_fault: a real fault on behalf of the kernel (fault_in_safe_writeable uses it with
    /// <see cref="FaultFlags.Write"/>). Unlike GUP it does not refuse IO/PFNMAP VMAs. While the current task
    /// has faults disabled it only checks the PTE (OK if it already allows the access, EFAULT otherwise).</summary>
    public Errno FixupUserFault(ulong addr, FaultFlags flags)
    {
        if (addr >= TaskSize || IsDisposed) return Errno.EFAULT;
        if (TaskContext.Current.PagefaultsDisabled)
        {
            var pte = GetPte(addr);
            bool ok = pte is not null && ((flags & FaultFlags.Write) != 0 ? pte.AllowsWrite : pte.AllowsRead);
            return ok ? Errno.OK : Errno.EFAULT;
        }
        return RunFault(addr, (flags & ~FaultFlags.Tried) | FaultFlags.Remote, callerHoldsLock: false);
    }

    /// <summary>Called by <see cref="VmFault.ReleaseLock"/>: drops the lock this fault holds (release_fault_lock).</summary>
    internal void ReleaseFaultLock(VmFault vmf)
    {
        if (vmf.VmaLocked) vmf.Vma.Lock.ReadUnlock();
        else _mmapLock.ReadUnlock();
    }

    /// <summary>The fault loop. Each attempt first tries the faulting VMA's own read lock (so faults proceed
    /// while other VMAs change) and falls back to the mmap lock. With <paramref name="callerHoldsLock"/> the
    /// caller (GUP's slow path) holds the mmap lock shared and gets it back held, even after a retry
    /// released it.</summary>
    private Errno RunFault(ulong addr, FaultFlags flags, bool callerHoldsLock)
    {
        var task = TaskContext.Current;
        bool mmapHeld = callerHoldsLock;
        try
        {
            for (int attempt = 0; attempt < MaxFaultAttempts; attempt++)
            {
                var vma = mmapHeld ? null : LockVmaForFault(addr);
                bool vmaLocked = vma is not null;
                if (!vmaLocked)
                {
                    if (!mmapHeld)
                    {
                        _mmapLock.ReadLock();
                        mmapHeld = true;
                    }
                    if (IsDisposed) return Errno.EFAULT;
                    vma = FindVmaLocked(addr);
                    if (vma is null) return Errno.EFAULT;
                }
                var vmf = new VmFault(this, vma!, addr, flags, vmaLocked);
                VmFaultResult result;
                try
                {
                    result = vma!.PermitsFault(flags) ? vma.Ops.HandleFault(this, vmf) : VmFaultResult.SigSegv;
                }
                finally
                {
                    if (vmaLocked)
                    {
                        if (!vmf.LockReleased) vma!.Lock.ReadUnlock();
                    }
                    else if (vmf.LockReleased)
                    {
                        mmapHeld = false;
                    }
                }
                // A handler that dropped the lock cannot have finished the fault: retry it.
                if (vmf.LockReleased) result = VmFaultResult.Retry;
                if (result != VmFaultResult.Retry) return ToErrno(result);
                if (task.FatalSignalPending) return Errno.EINTR;
                // A user-mode fault interrupted by a signal: the signal is delivered and the access
                // restarts (a userfault still missing queues a new message). Kernel-mode (Remote)
                // faults only stop for fatal signals.
                if ((flags & FaultFlags.Remote) == 0 && task.SignalPending) task.DeliverSignal();
                flags |= FaultFlags.Tried;
            }
            return Errno.EFAULT;
        }
        finally
        {
            if (callerHoldsLock && !mmapHeld) _mmapLock.ReadLock();
            else if (!callerHoldsLock && mmapHeld) _mmapLock.ReadUnlock();
        }
    }

    private static Errno ToErrno(VmFaultResult result) => result switch
    {
        VmFaultResult.Ok => Errno.OK,
        VmFaultResult.Oom => Errno.ENOMEM,
        VmFaultResult.HwPoison => Errno.EHWPOISON,
        _ => Errno.EFAULT,
    };
}
