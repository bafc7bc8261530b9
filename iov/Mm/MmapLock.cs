namespace ClusterFs.Iov.Mm;

/// <summary>
/// mmap_lock: GUP slow paths, and faults that cannot get their VMA's own lock, take it shared; mmap,
/// munmap, mprotect, madvise and userfault registration take it exclusive. Recursion is allowed for
/// readers so a fault handler that reads user memory of the same address space does not deadlock
/// behind a waiting writer (the kernel forbids that pattern instead).
/// </summary>
/// <remarks>Lock order: mmap lock -> VmaLock -> a VmMapping's rmap lock / a userfault context's lock.
/// User copies over resident pages never take it (they walk the page table like hardware does), so
/// holding a filesystem lock across a copy with faults disabled cannot deadlock against a writer
/// waiting here.</remarks>
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
