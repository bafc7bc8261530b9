namespace ClusterFs.Fs.LockManagers.Plocks;

/// <summary>
/// Who waits for whom among POSIX lock owners (Linux's blocked_hash and posix_locks_deadlock): each blocked request
/// is an edge from its owner to the owner of the lock it waits for. A request that would wait for an owner whose chain
/// of waits leads back to the requester is a deadlock (EDEADLK). Like Linux, the chain is followed at most
/// <see cref="MaxIterations"/> steps, and an owner with several blocked requests is followed through its first.
/// When an owner's locks change, the edges to it are forgotten (<see cref="Forget"/>, as Linux unlinks the blocked
/// requests it wakes) until their waiters look again: otherwise a waiter that is about to be granted would still seem
/// to wait for that owner, and the owner's next request could see a cycle that is already gone.
/// Not thread-safe: the owning table serialises access.
/// </summary>
public sealed class PosixLockWaitGraph
{
    /// <summary>Linux's MAX_DEADLK_ITERATIONS.</summary>
    public const int MaxIterations = 10;

    private readonly List<Edge> _edges = [];

    /// <summary>The number of blocked requests.</summary>
    public int Count => _edges.Count;

    /// <summary>True when <paramref name="waiter"/> waiting for <paramref name="blocker"/> would close a cycle.</summary>
    public bool WouldDeadlock((int Node, ulong Owner) waiter, (int Node, ulong Owner) blocker)
    {
        var current = blocker;
        for (int i = 0; i < MaxIterations; i++)
        {
            if (current == waiter) return true;
            var next = _edges.FirstOrDefault(e => e.Waiter == current && e.Blocker is not null);
            if (next is null) return false;
            current = next.Blocker!.Value;
        }
        return false;
    }

    /// <summary>Records (or, for <paramref name="edge"/> already recorded, re-points) a blocked request. Returns the edge; true in
    /// <paramref name="added"/> when it is new.</summary>
    public Edge Block(Edge? edge, (int Node, ulong Owner) waiter, (int Node, ulong Owner) blocker, out bool added)
    {
        added = edge is null;
        if (edge is null)
        {
            edge = new Edge(waiter) { Blocker = blocker };
            _edges.Add(edge);
        }
        else
        {
            edge.Blocker = blocker;
        }
        return edge;
    }

    /// <summary>The locks of <paramref name="owner"/> changed: the requests waiting for it must look again before they count.</summary>
    public void Forget((int Node, ulong Owner) owner)
    {
        foreach (var e in _edges)
        {
            if (e.Blocker == owner) e.Blocker = null;
        }
    }

    /// <summary>The locks of every owner of <paramref name="node"/> are gone (it left or died).</summary>
    public void ForgetNode(int node)
    {
        foreach (var e in _edges)
        {
            if (e.Blocker?.Node == node) e.Blocker = null;
        }
    }

    /// <summary>Forgets a blocked request (granted, failed or cancelled); null is ignored.</summary>
    public void Unblock(Edge? edge)
    {
        if (edge is not null) _edges.Remove(edge);
    }

    /// <summary>One blocked request: its owner and the owner it currently waits for (null: unknown until it looks again).</summary>
    public sealed class Edge((int Node, ulong Owner) waiter)
    {
        public (int Node, ulong Owner) Waiter { get; } = waiter;

        public (int Node, ulong Owner)? Blocker { get; set; }
    }
}
