using ClusterFs.Iov;

namespace ClusterFs.Fs.Vfs.Aio;

/// <summary>
/// An aio context (io_setup / io_submit / io_getevents / io_destroy, fs/aio.c): requests run with an
/// asynchronous <see cref="Kiocb"/>; an operation either finishes at once (its result becomes an event
/// right away, as aio_rw_done does) or returns -EIOCBQUEUED and completes later through
/// <see cref="Kiocb.Complete"/>, from any thread. Events are collected in a ring of
/// <see cref="MaxEvents"/> slots reserved at submission. Thread-safe. Cancellation is not supported.
/// </summary>
public sealed class AioContext : IDisposable
{
    // Lock order: leaf; operations and completion callbacks never run while it is held.
    private readonly object _lock = new();
    private readonly Queue<AioEvent> _events = new();
    // Requests submitted whose event is not yet queued (each holds a ring slot).
    private int _inFlight;
    private bool _destroyed;

    /// <summary>io_setup: a context with room for <paramref name="maxEvents"/> requests in flight or
    /// completed but not yet collected.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxEvents"/> is not positive.</exception>
    public AioContext(int maxEvents)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEvents);
        MaxEvents = maxEvents;
    }

    public int MaxEvents { get; }

    /// <summary>Requests submitted and not yet completed.</summary>
    public int InFlight
    {
        get { lock (_lock) return _inFlight; }
    }

    /// <summary>Completed events not yet collected.</summary>
    public int Available
    {
        get { lock (_lock) return _events.Count; }
    }

    /// <summary>io_submit of one request: reserves a ring slot and runs the operation on this thread until
    /// it finishes or queues its I/O. Returns OK, EAGAIN when the ring has no free slot, or EINVAL after
    /// <see cref="Destroy"/>. The operation's own errors arrive as events.</summary>
    public Errno Submit(in AioRequest request)
    {
        ArgumentNullException.ThrowIfNull(request.Operation);
        lock (_lock)
        {
            if (_destroyed) return Errno.EINVAL;
            if (_inFlight + _events.Count >= MaxEvents) return Errno.EAGAIN;
            _inFlight++;
        }
        var completion = new Completion(this, request.UserData);
        var iocb = new Kiocb(request.Position, request.Flags, completion.OnComplete);
        long result;
        try
        {
            result = request.Operation(iocb);
        }
        catch
        {
            // A bug in the operation: give the slot back so the context stays usable, then let it surface.
            completion.Post(Errno.EIO.Negative);
            throw;
        }
        if (result != Errno.EIOCBQUEUED.Negative) completion.Post(result);
        return Errno.OK;
    }

    /// <summary>io_submit of several requests, in order, stopping at the first that cannot be submitted.
    /// Returns the number submitted, or -errno when the first one failed.</summary>
    public long Submit(ReadOnlySpan<AioRequest> requests)
    {
        for (int i = 0; i < requests.Length; i++)
        {
            Errno err = Submit(in requests[i]);
            if (!err.IsOk) return i > 0 ? i : err.Negative;
        }
        return requests.Length;
    }

    /// <summary>io_getevents: waits until at least <paramref name="minNr"/> events are available or
    /// <paramref name="timeout"/> passes (<see cref="TimeSpan.Zero"/> polls without blocking), then moves
    /// up to <c>events.Length</c> of them, oldest first, into <paramref name="events"/>. Returns the number
    /// moved (fewer than <paramref name="minNr"/>, maybe 0, on timeout), or -EINVAL when
    /// <paramref name="minNr"/> is negative or more than <c>events.Length</c> or <see cref="MaxEvents"/>.</summary>
    public long GetEvents(int minNr, Span<AioEvent> events, TimeSpan timeout)
    {
        if (minNr < 0 || minNr > events.Length || minNr > MaxEvents) return Errno.EINVAL.Negative;
        long deadline = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
        lock (_lock)
        {
            while (_events.Count < minNr)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_lock, TimeSpan.FromMilliseconds(left))) break;
            }
            int n = Math.Min(events.Length, _events.Count);
            for (int i = 0; i < n; i++) events[i] = _events.Dequeue();
            return n;
        }
    }

    /// <summary>io_destroy: refuses new submissions and waits up to <paramref name="timeout"/> for the
    /// requests in flight. Returns true when none is left.</summary>
    public bool Destroy(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
        lock (_lock)
        {
            _destroyed = true;
            while (_inFlight > 0)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_lock, TimeSpan.FromMilliseconds(left))) break;
            }
            return _inFlight == 0;
        }
    }

    /// <summary>Refuses new submissions without waiting (requests in flight still post their events).</summary>
    public void Dispose()
    {
        lock (_lock) _destroyed = true;
    }

    private void PostEvent(AioEvent ev)
    {
        lock (_lock)
        {
            _inFlight--;
            _events.Enqueue(ev);
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>One request's completion: posts exactly one event, whether the operation returned its
    /// result or called <see cref="Kiocb.Complete"/>.</summary>
    private sealed class Completion(AioContext context, ulong userData)
    {
        private int _posted;

        public void OnComplete(Kiocb iocb, long result) => Post(result);

        public void Post(long result)
        {
            if (Interlocked.Exchange(ref _posted, 1) != 0)
                throw new InvalidOperationException($"aio request {userData} completed twice (result {result})");
            context.PostEvent(new AioEvent(userData, result));
        }
    }
}
