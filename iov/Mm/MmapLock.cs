namespace ClusterFs.Iov.Mm;

/// <summary>
/// mmap_lock: faults and GUP slow paths take it shared; mmap, munmap, mprotect and madvise take it
/// exclusive. Recursion is allowed for readers so a fault handler that reads user memory of the same
/// address space does not deadlock behind a waiting writer (the kernel forbids that pattern instead).
/// </summary>
/// <remarks>Lock order: mmap lock -> a VmMapping's rmap lock. User copies over resident pages never
/// take it (they walk the page table like hardware does), so holding a filesystem lock across a copy
/// with faults disabled cannot deadlock against a writer waiting here.</remarks>
internal sealed class MmapLock
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);

    public void ReadLock() => _lock.EnterReadLock();

    public void ReadUnlock() => _lock.ExitReadLock();

    public void WriteLock() => _lock.EnterWriteLock();

    public void WriteUnlock() => _lock.ExitWriteLock();

    public bool IsReadLockHeld => _lock.IsReadLockHeld;

    public bool IsWriteLockHeld => _lock.IsWriteLockHeld;

    /// <summary>Threads waiting for the exclusive lock (tests use it to set up a writer-waiting state).</summary>
    public int WaitingWriters => _lock.WaitingWriteCount;
}
