using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Userfaults;

// The fault side (handle_userfault) and the message side (read, asynchronous read, wake).
public sealed partial class UserfaultContext
{
    /// <summary>read(): up to <paramref name="messages"/>.Length unread messages, faults (oldest first) before
    /// REMOVE/UNMAP events (reading an event lets its poster continue); blocks for
    /// the first one unless the context is non-blocking. Returns the count, or -errno: EINVAL (before the
    /// handshake, empty buffer), EAGAIN (non-blocking, nothing pending), ERESTARTSYS (a signal arrived while
    /// blocked), EBADF (released). A message read is never returned again.</summary>
    public long Read(Span<UserfaultMessage> messages)
    {
        var check = CheckReady();
        if (!check.IsOk) return check.Negative;
        if (messages.IsEmpty) return Errno.EINVAL.Negative;
        var task = TaskContext.Current;
        lock (_lock)
        {
            while (_pending.Count == 0 && _events.Count == 0)
            {
                if (_released) return Errno.EBADF.Negative;
                if ((Flags & UserfaultCreateFlags.NonBlocking) != 0) return Errno.EAGAIN.Negative;
                if (task.SignalPending) return Errno.ERESTARTSYS.Negative;
                task.BeginInterruptibleWait(_lock);
                try
                {
                    if (!task.SignalPending) Monitor.Wait(_lock);
                }
                finally { task.EndInterruptibleWait(); }
            }
            int n = 0;
            while (n < messages.Length && _pending.First is { } node)
            {
                messages[n++] = node.Value.Message;
                RefileLocked(node);
            }
            while (n < messages.Length && TryReadEventLocked(out var ev)) messages[n++] = ev;
            return n;
        }
    }

    /// <summary>An asynchronous read posted in advance: completes with the oldest unread message, at once if
    /// one is pending, else when the next fault arrives; with EBADF when the context is released first,
    /// EINVAL before the handshake.</summary>
    public Task<UserfaultReadResult> ReadAsync()
    {
        var check = CheckReady();
        if (!check.IsOk) return Task.FromResult(new UserfaultReadResult(check, default));
        lock (_lock)
        {
            if (_released) return Task.FromResult(new UserfaultReadResult(Errno.EBADF, default));
            if (_pending.First is { } node)
            {
                RefileLocked(node);
                return Task.FromResult(new UserfaultReadResult(Errno.OK, node.Value.Message));
            }
            if (TryReadEventLocked(out var ev)) return Task.FromResult(new UserfaultReadResult(Errno.OK, ev));
            var read = new TaskCompletionSource<UserfaultReadResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            _asyncReads.Enqueue(read);
            return read.Task;
        }
    }

    /// <summary>UFFDIO_WAKE: wakes every fault waiting on a page in [start, start + length). EINVAL for an invalid
    /// range or before the handshake; EBADF after release.</summary>
    public Errno Wake(ulong start, long length)
    {
        var check = CheckReady();
        if (!check.IsOk) return check;
        if (!ValidRange(start, length)) return Errno.EINVAL;
        WakeRange(start, start + (ulong)length);
        return Errno.OK;
    }

    VmFaultResult IUserfaultHandler.HandleUserfault(VmFault vmf, UserfaultModes reason)
    {
        if (_released)
        {
            // Racing with release: let the fault retry; release unregisters the range.
            vmf.ReleaseLock();
            return VmFaultResult.Retry;
        }
        if ((_features & UserfaultFeatures.Sigbus) != 0) return VmFaultResult.SigBus;
        if ((Flags & UserfaultCreateFlags.UserModeOnly) != 0 && (vmf.Flags & FaultFlags.Remote) != 0) return VmFaultResult.SigBus;

        var flags = (vmf.IsWrite ? PagefaultFlags.Write : 0) | (reason == UserfaultModes.WriteProtect ? PagefaultFlags.WriteProtect : 0);
        ulong address = (_features & UserfaultFeatures.ExactAddress) != 0 ? vmf.RealAddress : vmf.Address;
        int tid = (_features & UserfaultFeatures.ThreadId) != 0 ? vmf.Task.Id : 0;
        var waiter = new UserfaultWaiter(new UserfaultMessage(UserfaultMessage.EventPagefault, flags, address, tid), vmf.Address, vmf.Task);

        lock (_lock)
        {
            if (_asyncReads.TryDequeue(out var read))
            {
                _read.AddLast(waiter.Node);
                read.TrySetResult(new UserfaultReadResult(Errno.OK, waiter.Message));
            }
            else
            {
                _pending.AddLast(waiter.Node);
                Monitor.PulseAll(_lock); // blocked readers
            }
        }

        // must_wait: the waiter is queued before this recheck, so a fill that lands after it finds the
        // waiter, and a fill that landed before it is seen here.
        var pte = vmf.Vma.Owner.GetPte(vmf.Address);
        bool mustWait = reason == UserfaultModes.Missing ? pte is null || !pte.IsPresent : pte is { IsUffdWp: true };
        vmf.ReleaseLock();

        var task = vmf.Task;
        lock (_lock)
        {
            task.BeginInterruptibleWait(_lock);
            try
            {
                // User-mode faults sleep interruptibly; kernel-mode (Remote) ones only killably.
                bool interruptible = (vmf.Flags & FaultFlags.Remote) == 0;
                while (mustWait && !waiter.Woken && !_released && !(interruptible ? task.SignalPending : task.FatalSignalPending))
                    Monitor.Wait(_lock);
            }
            finally { task.EndInterruptibleWait(); }
            waiter.Node.List?.Remove(waiter.Node);
        }
        return VmFaultResult.Retry;
    }

    /// <summary>Wakes the waiters of pages in [start, end) on both queues.</summary>
    private void WakeRange(ulong start, ulong end)
    {
        lock (_lock)
        {
            bool any = false;
            foreach (var queue in new[] { _pending, _read })
            {
                for (var node = queue.First; node is not null;)
                {
                    var next = node.Next;
                    if (node.Value.PageAddress >= start && node.Value.PageAddress < end)
                    {
                        node.Value.Woken = true;
                        queue.Remove(node);
                        any = true;
                    }
                    node = next;
                }
            }
            if (any) Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Moves a read message's waiter from the pending queue to the read queue (it keeps sleeping).</summary>
    private void RefileLocked(LinkedListNode<UserfaultWaiter> node)
    {
        _pending.Remove(node);
        _read.AddLast(node);
    }
}
