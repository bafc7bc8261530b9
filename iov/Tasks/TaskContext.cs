using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tasks;

/// <summary>
/// The per-thread task (the kernel's <c>current</c>): its address space, page-fault-disable depth,
/// pending-signal state and the dirtied-page counters balance_dirty_pages and gfs2's retry window use.
/// </summary>
/// <remarks>Bound to the OS thread like a kernel task: it does not flow across <c>await</c>. Other
/// threads may hold a reference to raise a signal.</remarks>
public sealed class TaskContext
{
    [ThreadStatic] private static TaskContext? t_current;

    private static int s_nextId;

    private volatile bool _signalPending;
    private volatile bool _fatalSignalPending;

    private TaskContext() => Id = Interlocked.Increment(ref s_nextId);

    /// <summary>The calling thread's task, created on first use.</summary>
    public static TaskContext Current => t_current ??= new TaskContext();

    /// <summary>A small unique task id (the userfault message's thread id).</summary>
    public int Id { get; }

    /// <summary>The task's address space, if it has one (kernel threads do not).</summary>
    public AddressSpace? Mm { get; set; }

    /// <summary>pagefault_disable() nesting depth; faults are disabled while it is above zero.</summary>
    public int PagefaultDisableDepth { get; internal set; }

    /// <summary>faulthandler_disabled(): an access that needs a fault fails instead.</summary>
    public bool PagefaultsDisabled => PagefaultDisableDepth > 0;

    /// <summary>A signal is pending (interrupts waits such as a blocked userfault). Settable from any thread.</summary>
    public bool SignalPending
    {
        get => _signalPending || _fatalSignalPending;
        set => _signalPending = value;
    }

    /// <summary>A fatal signal is pending (GUP and fault retries give up with EINTR). Settable from any thread.</summary>
    public bool FatalSignalPending
    {
        get => _fatalSignalPending;
        set => _fatalSignalPending = value;
    }

    /// <summary>Pages this task dirtied since its last balance_dirty_pages (current->nr_dirtied).</summary>
    public int NrDirtied { get; set; }

    /// <summary>The dirtied-page count at which the task is next throttled (current->nr_dirtied_pause).</summary>
    public int NrDirtiedPause { get; set; } = 32;

    /// <summary>Clears both signal flags (the signal was handled).</summary>
    public void ClearSignals()
    {
        _signalPending = false;
        _fatalSignalPending = false;
    }
}
