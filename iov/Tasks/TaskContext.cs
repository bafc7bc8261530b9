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
    private object? _waitMonitor; // the monitor an interruptible wait of this task sleeps on
    private int _signalsDelivered;

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

    /// <summary>Signals delivered to this task by <see cref="DeliverSignal"/> (each a handler run and an
    /// access restarted).</summary>
    public int SignalsDelivered => Volatile.Read(ref _signalsDelivered);

    /// <summary>Sends a signal to this task from any thread: sets the pending flag and wakes the task if it
    /// sleeps in an interruptible wait (a blocked userfault, a blocking userfault read).</summary>
    public void SendSignal(bool fatal = false)
    {
        if (fatal) _fatalSignalPending = true; else _signalPending = true;
        // Full fence: the flag must be visible before we look for a sleeper (the sleeper publishes its
        // monitor, then tests the flag), or both could miss each other.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _waitMonitor) is { } monitor)
        {
            lock (monitor) Monitor.PulseAll(monitor);
        }
    }

    /// <summary>Delivers a pending non-fatal signal: the handler "runs" and the flag clears.</summary>
    public void DeliverSignal()
    {
        if (!_signalPending) return;
        _signalPending = false;
        Interlocked.Increment(ref _signalsDelivered);
    }

    /// <summary>Marks the task as sleeping on <paramref name="monitor"/> (held by the caller) so a signal can
    /// wake it; pair with <see cref="EndInterruptibleWait"/>.</summary>
    internal void BeginInterruptibleWait(object monitor) => Interlocked.Exchange(ref _waitMonitor, monitor);

    internal void EndInterruptibleWait() => Volatile.Write(ref _waitMonitor, null);

    /// <summary>Clears both signal flags (the signal was handled).</summary>
    public void ClearSignals()
    {
        _signalPending = false;
        _fatalSignalPending = false;
    }
}
