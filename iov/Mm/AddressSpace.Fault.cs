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

    /// <summary>Called by <see cref="VmFault.ReleaseLock"/>: drops the lock this fault holds.</summary>
    internal void ReleaseFaultLock(VmFault vmf) => _mmapLock.ReadUnlock();

    /// <summary>The fault loop. With <paramref name="callerHoldsLock"/> the caller (GUP's slow path) holds the
    /// mmap lock shared and gets it back held, even after a retry released it; otherwise the loop takes
    /// and releases it itself.</summary>
    private Errno RunFault(ulong addr, FaultFlags flags, bool callerHoldsLock)
    {
        var task = TaskContext.Current;
        bool held = callerHoldsLock;
        try
        {
            for (int attempt = 0; attempt < MaxFaultAttempts; attempt++)
            {
                if (!held)
                {
                    _mmapLock.ReadLock();
                    held = true;
                }
                if (IsDisposed) return Errno.EFAULT;
                var vma = FindVmaLocked(addr);
                if (vma is null || !vma.PermitsFault(flags)) return Errno.EFAULT;
                var vmf = new VmFault(this, vma, addr, flags);
                VmFaultResult result;
                try
                {
                    result = vma.Ops.HandleFault(this, vmf);
                }
                finally
                {
                    if (vmf.LockReleased) held = false;
                }
                // A handler that dropped the lock cannot have finished the fault: retry it.
                if (!held) result = VmFaultResult.Retry;
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
            if (callerHoldsLock && !held) _mmapLock.ReadLock();
            else if (!callerHoldsLock && held) _mmapLock.ReadUnlock();
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
