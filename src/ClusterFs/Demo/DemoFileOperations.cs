using ClusterFs.Iov.Mm;

namespace ClusterFs.Cli.Demo;

/// <summary>
/// A file-like object for the demo: its fault handlers take the file's lock, the way gfs2's fault and
/// page_mkwrite take the inode glock. The lock is not recursive; a handler that finds its own task
/// already holding it reports the deadlock it would be (SIGBUS) instead of hanging the demo.
/// </summary>
internal sealed class DemoFileOperations : IVmOperations
{
    private readonly Dictionary<long, Page> _cache = [];
    private int _ownerThread; // 0 = unlocked; guarded by Interlocked

    public int HandlerCalls { get; private set; }

    public bool TryLock() => Interlocked.CompareExchange(ref _ownerThread, Environment.CurrentManagedThreadId, 0) == 0;

    public void Unlock()
    {
        if (Interlocked.CompareExchange(ref _ownerThread, 0, Environment.CurrentManagedThreadId) != Environment.CurrentManagedThreadId)
            throw new InvalidOperationException("unlock by a thread that does not hold the demo file lock");
    }

    public Page CachePage(long index)
    {
        lock (_cache)
        {
            if (!_cache.TryGetValue(index, out var page)) _cache[index] = page = new Page();
            return page;
        }
    }

    public VmFaultResult Fault(VmFault vmf) => UnderLock(vmf, () => vmf.Page = CachePage(vmf.PageOffset));

    public VmFaultResult PageMkwrite(VmFault vmf) => UnderLock(vmf, () => { });

    private VmFaultResult UnderLock(VmFault vmf, Action body)
    {
        HandlerCalls++;
        if (Volatile.Read(ref _ownerThread) == Environment.CurrentManagedThreadId)
        {
            Console.WriteLine($"  fault handler at {vmf.Address:x}: the faulting task already holds the file lock -> would deadlock (SIGBUS)");
            return VmFaultResult.SigBus;
        }
        if (!TryLock()) return VmFaultResult.SigBus;
        try { body(); }
        finally { Unlock(); }
        return VmFaultResult.Ok;
    }
}
