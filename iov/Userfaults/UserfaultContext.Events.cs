using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Userfaults;

// Non-cooperative events (EVENT_REMOVE, EVENT_UNMAP) and mmap_changing: while an event is unread the
// filling ioctls give EAGAIN, and the task that changed the layout waits until the event is read.
public sealed partial class UserfaultContext
{
    // Events not yet read, oldest first; and the number of events outstanding (mmap_changing).
    // Both guarded by _lock.
    private readonly LinkedList<UserfaultLayoutEvent> _events = new();
    private int _mmapChanging;

    /// <summary>True while a REMOVE/UNMAP event is outstanding: COPY, ZEROPAGE and WRITEPROTECT give EAGAIN.</summary>
    public bool MmapChanging
    {
        get { lock (_lock) return _mmapChanging > 0; }
    }

    object? IUserfaultHandler.PostLayoutEvent(bool unmap, ulong start, ulong end)
    {
        var wanted = unmap ? UserfaultFeatures.EventUnmap : UserfaultFeatures.EventRemove;
        if ((_features & wanted) == 0) return null;
        var ev = new UserfaultLayoutEvent(new UserfaultMessage(
            unmap ? UserfaultMessage.EventUnmap : UserfaultMessage.EventRemove, PagefaultFlags.None, start, 0, end));
        lock (_lock)
        {
            if (_released) return null;
            _mmapChanging++;
            if (_asyncReads.TryDequeue(out var read))
            {
                CompleteLocked(ev);
                read.TrySetResult(new UserfaultReadResult(Errno.OK, ev.Message));
                return null;
            }
            _events.AddLast(ev.Node);
            Monitor.PulseAll(_lock); // blocked readers
            return ev;
        }
    }

    void IUserfaultHandler.WaitLayoutEvent(object layoutEvent)
    {
        var ev = (UserfaultLayoutEvent)layoutEvent;
        var task = TaskContext.Current;
        lock (_lock)
        {
            task.BeginInterruptibleWait(_lock);
            try
            {
                // userfaultfd_event_wait_completion sleeps killably.
                while (!ev.Completed && !_released && !task.FatalSignalPending) Monitor.Wait(_lock);
            }
            finally { task.EndInterruptibleWait(); }
            if (!ev.Completed)
            {
                // Aborted (fatal signal) or released: drop the event and its mmap_changing count.
                ev.Node.List?.Remove(ev.Node);
                CompleteLocked(ev);
            }
        }
    }

    /// <summary>Takes the oldest unread event as a message (events follow pending faults). Caller holds _lock.</summary>
    private bool TryReadEventLocked(out UserfaultMessage message)
    {
        if (_events.First is not { } node)
        {
            message = default;
            return false;
        }
        _events.Remove(node);
        CompleteLocked(node.Value);
        message = node.Value.Message;
        return true;
    }

    private void CompleteLocked(UserfaultLayoutEvent ev)
    {
        if (ev.Completed) return;
        ev.Completed = true;
        _mmapChanging--;
        Monitor.PulseAll(_lock); // the task waiting for its event to be read
    }

    /// <summary>At release: every outstanding event counts as read.</summary>
    private void CompleteAllEventsLocked()
    {
        while (_events.First is { } node)
        {
            _events.Remove(node);
            CompleteLocked(node.Value);
        }
    }
}
