using ClusterFs.Iov;

namespace ClusterFs.Fuse.Tests.Doubles;

/// <summary>
/// POSIX byte-range locks and flock locks per (inode, owner), with blocking waits that a
/// cancellation (the caller's interrupt) ends with EINTR. Counts waiters so tests can observe
/// that a blocking request really waits. <see cref="_gate"/> is a leaf lock.
/// </summary>
internal sealed class MemoryLockTable
{
    private readonly object _gate = new();
    private readonly List<Record> _records = [];
    private int _waiters;

    private sealed record Record(ulong Ino, ulong Owner, short Type, long Start, long End, bool Flock, int Pid, ulong Handle);

    /// <summary>Requests currently waiting for a conflicting lock to go away.</summary>
    public int Waiters
    {
        get { lock (_gate) return _waiters; }
    }

    /// <summary>Signalled after every change of the table.</summary>
    public AutoResetEvent Changed { get; } = new(false);

    /// <summary>Signalled each time a request starts waiting.</summary>
    public AutoResetEvent WaiterQueued { get; } = new(false);

    /// <summary>The first lock of another owner that conflicts with (type, range), or null.</summary>
    public FuseLock? Conflict(ulong ino, ulong owner, short type, long start, long end, bool flock)
    {
        lock (_gate)
        {
            Record? r = ConflictLocked(ino, owner, type, start, end, flock);
            if (r is null)
                return null;
            return new FuseLock { Type = r.Type, Start = r.Start, Length = r.End == long.MaxValue ? 0 : r.End - r.Start, Pid = r.Pid };
        }
    }

    /// <summary>Sets (or with type Unlock clears) a lock, waiting for conflicts if <paramref name="wait"/>.</summary>
    public Errno Set(ulong ino, ulong owner, ulong handle, short type, long start, long end, bool flock, int pid, bool wait, CancellationToken cancel)
    {
        using CancellationTokenRegistration reg = cancel.Register(() =>
        {
            lock (_gate)
                Monitor.PulseAll(_gate);
        });
        lock (_gate)
        {
            if (type != FuseLock.Unlock)
            {
                bool counted = false;
                try
                {
                    while (ConflictLocked(ino, owner, type, start, end, flock) is not null)
                    {
                        if (!wait)
                            return Errno.EAGAIN;
                        if (cancel.IsCancellationRequested)
                            return Errno.EINTR;
                        if (!counted)
                        {
                            counted = true;
                            _waiters++;
                            WaiterQueued.Set();
                        }
                        Monitor.Wait(_gate);
                    }
                }
                finally
                {
                    if (counted)
                    {
                        _waiters--;
                        Changed.Set();
                    }
                }
            }
            RemoveLocked(ino, owner, start, end, flock);
            if (type != FuseLock.Unlock)
                _records.Add(new Record(ino, owner, type, start, end, flock, pid, handle));
            Monitor.PulseAll(_gate);
            Changed.Set();
            return Errno.OK;
        }
    }

    /// <summary>Drops every lock of one kind held by <paramref name="owner"/> on the inode.</summary>
    public void ReleaseOwner(ulong ino, ulong owner, bool flock)
    {
        lock (_gate)
        {
            if (_records.RemoveAll(r => r.Ino == ino && r.Owner == owner && r.Flock == flock) > 0)
            {
                Monitor.PulseAll(_gate);
                Changed.Set();
            }
        }
    }

    /// <summary>
    /// Drops the POSIX locks taken through one open file. The kernel never sends an unlock for an
    /// OFD lock when its file is closed (FL_CLOSE_POSIX unlocks stop in fuse_setlk), so release is
    /// the only place they can go; classic POSIX locks were already dropped by flush.
    /// </summary>
    public void ReleaseHandle(ulong ino, ulong handle)
    {
        lock (_gate)
        {
            if (_records.RemoveAll(r => r.Ino == ino && r.Handle == handle && !r.Flock) > 0)
            {
                Monitor.PulseAll(_gate);
                Changed.Set();
            }
        }
    }

    /// <summary>Locks currently held on an inode (of both kinds).</summary>
    public int Count(ulong ino)
    {
        lock (_gate)
            return _records.Count(r => r.Ino == ino);
    }

    private Record? ConflictLocked(ulong ino, ulong owner, short type, long start, long end, bool flock)
        => _records.FirstOrDefault(r => r.Ino == ino && r.Flock == flock && r.Owner != owner
            && r.Start < end && start < r.End && (type == FuseLock.WriteLock || r.Type == FuseLock.WriteLock));

    // Removes [start, end) from the owner's locks, splitting the ones that stick out on either side.
    private void RemoveLocked(ulong ino, ulong owner, long start, long end, bool flock)
    {
        for (int k = _records.Count - 1; k >= 0; k--)
        {
            Record r = _records[k];
            if (r.Ino != ino || r.Owner != owner || r.Flock != flock || r.End <= start || r.Start >= end)
                continue;
            _records.RemoveAt(k);
            if (r.Start < start)
                _records.Add(r with { End = start });
            if (r.End > end)
                _records.Add(r with { Start = end });
        }
    }
}
