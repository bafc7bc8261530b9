namespace ClusterFs.Iov.Mm;

/// <summary>
/// The per-VMA lock (vm_lock): faults read-lock one VMA instead of the whole address space; a layout
/// change, already holding the mmap lock exclusive, write-locks each VMA it modifies (vma_start_write),
/// waiting for that VMA's faults to finish. Readers never wait: when the VMA is write-locked or
/// detached they fall back to the mmap lock, which queues them behind the layout change.
/// </summary>
/// <remarks>Lock order: mmap lock (exclusive) -> VmaLock. A fault holding a VMA read lock never takes the
/// mmap lock before releasing it.</remarks>
internal sealed class VmaLock
{
    private int _readers;      // guarded by this
    private bool _writeLocked; // guarded by this; changed only under the mmap write lock
    private bool _detached;    // guarded by this
    private int _writersWaiting;

    /// <summary>True while a layout change waits for this VMA's faults to drain (tests observe it).</summary>
    public bool WriterWaiting => Volatile.Read(ref _writersWaiting) > 0;

    public bool IsWriteLocked
    {
        get { lock (this) return _writeLocked; }
    }

    /// <summary>vma_start_read: false when the VMA is being changed or was removed.</summary>
    public bool TryReadLock()
    {
        lock (this)
        {
            if (_writeLocked || _detached) return false;
            _readers++;
            return true;
        }
    }

    public void ReadUnlock()
    {
        lock (this)
        {
            if (--_readers < 0) throw new InvalidOperationException("VMA read lock released more often than taken");
            if (_readers == 0) Monitor.PulseAll(this);
        }
    }

    /// <summary>vma_start_write: blocks new readers and waits for current ones. Caller holds the mmap lock exclusive.</summary>
    public void WriteLock()
    {
        lock (this)
        {
            _writeLocked = true;
            Interlocked.Increment(ref _writersWaiting);
            try
            {
                while (_readers > 0) Monitor.Wait(this);
            }
            finally { Interlocked.Decrement(ref _writersWaiting); }
        }
    }

    /// <summary>Ends the write lock (the kernel does it for every VMA at mmap_write_unlock).</summary>
    public void WriteUnlock()
    {
        lock (this) _writeLocked = false;
    }

    /// <summary>Marks the VMA removed: later read attempts fail for good. Caller holds the write lock.</summary>
    public void Detach()
    {
        lock (this) _detached = true;
    }
}
