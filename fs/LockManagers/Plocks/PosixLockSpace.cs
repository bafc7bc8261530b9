using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers.Plocks;

/// <summary>
/// POSIX record locks shared by the nodes of one process: the table behind lock_nolock (one node) and lock_inproc (all
/// nodes of an <see cref="InProcessLockSpace"/>). One lock serialises every request, so tests and sets are atomic
/// across nodes; a blocked F_SETLKW waits on that lock's monitor and re-tries after every change. Deadlocks are seen
/// across all nodes, since the wait graph is shared too. A node that leaves or is declared dead loses its locks at once
/// (waiters of other nodes then proceed); its own requests, blocked or later, fail with EIO until it joins again.
/// </summary>
public sealed class PosixLockSpace
{
    // A leaf: never held while calling out. Waited on (Monitor.Wait) by blocked requests; pulsed on every change.
    private readonly object _lock = new();
    private readonly Dictionary<ulong, PosixLockList> _inodes = new(); // under _lock
    private readonly PosixLockWaitGraph _waits = new(); // under _lock
    private readonly HashSet<int> _nodes = []; // under _lock: nodes that may take locks

    /// <summary>The number of requests blocked in F_SETLKW right now (for tests and diagnostics).</summary>
    public int Waiters
    {
        get { lock (_lock) return _waits.Count; }
    }

    /// <summary>The locks held on <paramref name="inode"/>, by start.</summary>
    public IReadOnlyList<PosixLock> Locks(ulong inode)
    {
        lock (_lock) return _inodes.TryGetValue(inode, out var list) ? [.. list.Locks] : [];
    }

    /// <summary>Waits until at least <paramref name="count"/> requests are blocked; false if <paramref name="timeout"/> passes first.</summary>
    public bool WaitForWaiters(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_lock)
        {
            while (_waits.Count < count)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return false;
                Monitor.Wait(_lock, left);
            }
            return true;
        }
    }

    /// <summary>Lets <paramref name="node"/> take locks (a node joined).</summary>
    public void AddNode(int node)
    {
        lock (_lock) _nodes.Add(node);
    }

    /// <summary>Drops every lock of <paramref name="node"/> and fails its blocked requests with EIO (the node left or died).</summary>
    public void DropNode(int node)
    {
        lock (_lock)
        {
            _nodes.Remove(node);
            _waits.ForgetNode(node);
            foreach (var (inode, list) in _inodes.ToArray())
            {
                list.RemoveNode(node);
                if (list.IsEmpty) _inodes.Remove(inode);
            }
            Monitor.PulseAll(_lock);
        }
    }

    /// <inheritdoc cref="IPosixLockTable.Test"/>
    public Errno Test(int node, ulong inode, in PosixLockRequest request, out PosixLock conflict)
    {
        request.Validate();
        conflict = default(PosixLock) with { Type = PosixLockType.Unlock, Start = request.Start, End = request.End };
        lock (_lock)
        {
            if (!_nodes.Contains(node)) return Errno.EIO;
            if (_inodes.TryGetValue(inode, out var list) && list.FindConflict(node, request) is { } c) conflict = c;
            return Errno.OK;
        }
    }

    /// <inheritdoc cref="IPosixLockTable.Set"/>
    /// <remarks>EDEADLK for any cycle of blocked owners, whatever their nodes (chains of up to 10 owners, as Linux).</remarks>
    public Errno Set(int node, ulong inode, in PosixLockRequest request, bool wait, CancellationToken cancel)
    {
        request.Validate();
        var me = (node, request.Owner);
        wait &= request.Type != PosixLockType.Unlock;
        // Registered before taking the lock: if already cancelled, the callback runs here (Monitor is re-entrant anyway).
        using var wake = wait ? cancel.Register(PulseAll) : default;
        PosixLockWaitGraph.Edge? edge = null;
        lock (_lock)
        {
            try
            {
                while (true)
                {
                    if (!_nodes.Contains(node)) return Errno.EIO;
                    if (!_inodes.TryGetValue(inode, out var list)) _inodes[inode] = list = new PosixLockList();
                    if (list.FindConflict(node, request) is not { } c)
                    {
                        list.Apply(node, request);
                        if (list.IsEmpty) _inodes.Remove(inode);
                        // Granted: this request no longer waits, and waiters for this owner must look again.
                        _waits.Unblock(edge);
                        edge = null;
                        _waits.Forget(me);
                        Monitor.PulseAll(_lock); // an unlock or a downgrade may let waiters in
                        return Errno.OK;
                    }
                    if (!wait) return Errno.EAGAIN;
                    if (cancel.IsCancellationRequested) return Errno.EINTR;
                    var blocker = (c.Node, c.Owner);
                    if (_waits.WouldDeadlock(me, blocker)) return Errno.EDEADLK;
                    edge = _waits.Block(edge, me, blocker, out bool added);
                    if (added) Monitor.PulseAll(_lock); // WaitForWaiters
                    Monitor.Wait(_lock);
                }
            }
            finally
            {
                if (edge is not null)
                {
                    _waits.Unblock(edge);
                    if (_inodes.TryGetValue(inode, out var list) && list.IsEmpty) _inodes.Remove(inode);
                }
            }
        }
    }

    /// <inheritdoc cref="IPosixLockTable.Release"/>
    public Errno Release(int node, ulong inode, ulong owner)
    {
        lock (_lock)
        {
            if (!_inodes.TryGetValue(inode, out var list)) return Errno.OK;
            if (list.RemoveOwner(node, owner))
            {
                _waits.Forget((node, owner));
                Monitor.PulseAll(_lock);
            }
            if (list.IsEmpty) _inodes.Remove(inode);
            return Errno.OK;
        }
    }

    private void PulseAll()
    {
        lock (_lock) Monitor.PulseAll(_lock);
    }
}
