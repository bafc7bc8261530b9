namespace ClusterFs.Fs.Glocks;

/// <summary>
/// The glock workqueue: one background thread per table that runs <see cref="Glock.RunWork"/> for
/// glocks queued with a delay (demotes, replies that arrived on another thread, promotions after a
/// release). A glock is queued at most once; queueing it again can only bring its due time forward.
/// </summary>
internal sealed class GlockWorkQueue : IDisposable
{
    // Innermost lock: GlockTable._lock -> Glock._lock -> _lock. Never held while running work.
    private readonly object _lock = new();
    private readonly List<Glock> _queued = new();
    private readonly GlockClock _clock;
    private readonly Thread _thread;
    private Glock? _running;
    private bool _stopping;

    public GlockWorkQueue(GlockClock clock, string name)
    {
        _clock = clock;
        _clock.Advanced += Kick;
        _thread = new Thread(Run) { IsBackground = true, Name = "glock_workqueue " + name };
        _thread.Start();
    }

    /// <summary>The first exception a work item threw (a bug); work continues with the next item.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Queues <paramref name="glock"/>'s work to run after <paramref name="delayTicks"/>.</summary>
    public void Queue(Glock glock, long delayTicks)
    {
        long due = _clock.NowTicks + Math.Max(0, delayTicks);
        lock (_lock)
        {
            if (glock._workDue < 0)
            {
                glock._workDue = due;
                _queued.Add(glock);
            }
            else if (due < glock._workDue)
            {
                glock._workDue = due;
            }
            Monitor.PulseAll(_lock);
        }
    }

    public bool IsQueued(Glock glock)
    {
        lock (_lock)
            return glock._workDue >= 0 || _running == glock;
    }

    /// <summary>Waits until no work is due or running (delayed work not yet due does not count). False on timeout.</summary>
    public bool WaitIdle(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_lock)
        {
            while (_running != null || NextDueLocked(out _) is { } due && due <= _clock.NowTicks)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                    return false;
                Monitor.Wait(_lock, (int)Math.Min(left, 100));
            }
            return true;
        }
    }

    private void Kick()
    {
        lock (_lock)
            Monitor.PulseAll(_lock);
    }

    private long? NextDueLocked(out int index)
    {
        index = -1;
        long best = long.MaxValue;
        for (int i = 0; i < _queued.Count; i++)
        {
            if (_queued[i]._workDue < best)
            {
                best = _queued[i]._workDue;
                index = i;
            }
        }
        return index < 0 ? null : best;
    }

    private void Run()
    {
        while (true)
        {
            Glock glock;
            lock (_lock)
            {
                while (true)
                {
                    if (_stopping)
                        return;
                    long? due = NextDueLocked(out int index);
                    long now = _clock.NowTicks;
                    if (due is { } d && d <= now)
                    {
                        glock = _queued[index];
                        _queued.RemoveAt(index);
                        glock._workDue = -1;
                        _running = glock;
                        break;
                    }
                    // A manual clock wakes us through Kick; the timeout only bounds a real clock's wait.
                    int waitMs = due is { } d2 ? (int)Math.Clamp((d2 - now) / TimeSpan.TicksPerMillisecond + 1, 1, 1000) : Timeout.Infinite;
                    Monitor.Wait(_lock, waitMs);
                }
            }
            try
            {
                glock.RunWork();
            }
            catch (Exception e)
            {
                Failure ??= e;
            }
            finally
            {
                lock (_lock)
                {
                    _running = null;
                    Monitor.PulseAll(_lock);
                }
            }
        }
    }

    public void Dispose()
    {
        _clock.Advanced -= Kick;
        lock (_lock)
        {
            _stopping = true;
            Monitor.PulseAll(_lock);
        }
        if (Thread.CurrentThread != _thread)
            _thread.Join();
    }
}
