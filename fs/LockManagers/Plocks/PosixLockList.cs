namespace ClusterFs.Fs.LockManagers.Plocks;

/// <summary>
/// The POSIX record locks of one inode, sorted by start, with Linux's posix_lock_inode semantics for one request:
/// the owner's own locks never conflict with it; its locks of the requested type that overlap or touch the range
/// coalesce with it; its locks of the other type (or, for an unlock, all its locks) lose the part inside the range,
/// which may split one lock in two. Invariant: one owner's locks never overlap, and two of one type never touch.
/// Not thread-safe: the table that owns it serialises access.
/// </summary>
public sealed class PosixLockList
{
    private List<PosixLock> _locks = [];

    /// <summary>An empty list.</summary>
    public PosixLockList()
    {
    }

    /// <summary>A list holding <paramref name="locks"/> (which must already satisfy the invariant, e.g. read back from the cluster).</summary>
    public PosixLockList(IEnumerable<PosixLock> locks)
    {
        _locks.AddRange(locks);
        _locks.Sort(Compare);
    }

    /// <summary>The locks, sorted by start (then node, owner).</summary>
    public IReadOnlyList<PosixLock> Locks => _locks;

    public bool IsEmpty => _locks.Count == 0;

    /// <summary>The conflicting lock with the lowest start for a request of (<paramref name="node"/>, request owner); null if none.</summary>
    public PosixLock? FindConflict(int node, in PosixLockRequest request)
    {
        foreach (var l in _locks)
        {
            if (l.Start > request.End) break; // sorted by start: nothing later overlaps
            if (l.ConflictsWith(node, request.Owner, request.Type, request.Start, request.End)) return l;
        }
        return null;
    }

    /// <summary>
    /// Applies <paramref name="request"/> for owner (<paramref name="node"/>, request owner) without any conflict check
    /// (the caller checked <see cref="FindConflict"/>).
    /// </summary>
    public void Apply(int node, in PosixLockRequest request)
    {
        request.Validate();
        long start = request.Start, end = request.End;
        var next = new List<PosixLock>(_locks.Count + 2);
        foreach (var l in _locks)
        {
            if (!l.IsOwnedBy(node, request.Owner))
            {
                next.Add(l);
                continue;
            }
            if (request.Type != PosixLockType.Unlock && l.Type == request.Type && Touches(l, start, end))
            {
                // Same type: absorbed into the new lock (the invariant means the grown range cannot reach another of ours).
                start = Math.Min(start, l.Start);
                end = Math.Max(end, l.End);
                continue;
            }
            if (!l.Overlaps(request.Start, request.End))
            {
                next.Add(l);
                continue;
            }
            // The other type, or an unlock: keep what lies outside the request's range (possibly both sides: a split).
            if (l.Start < request.Start) next.Add(l with { End = request.Start - 1 });
            if (l.End > request.End) next.Add(l with { Start = request.End + 1 });
        }
        if (request.Type != PosixLockType.Unlock) next.Add(new PosixLock(request.Type, start, end, node, request.Owner, request.Pid));
        next.Sort(Compare);
        _locks = next;
    }

    /// <summary>Removes every lock of (<paramref name="node"/>, <paramref name="owner"/>). Returns true when one was removed.</summary>
    public bool RemoveOwner(int node, ulong owner) => _locks.RemoveAll(l => l.IsOwnedBy(node, owner)) > 0;

    /// <summary>Removes every lock of <paramref name="node"/> (the node left or died). Returns true when one was removed.</summary>
    public bool RemoveNode(int node) => _locks.RemoveAll(l => l.Node == node) > 0;

    /// <summary>The locks of (<paramref name="node"/>, <paramref name="owner"/>), by start.</summary>
    public IEnumerable<PosixLock> OwnedBy(int node, ulong owner) => _locks.Where(l => l.IsOwnedBy(node, owner));

    /// <summary>True when <paramref name="l"/> overlaps [start, end] or ends right before or starts right after it.</summary>
    private static bool Touches(in PosixLock l, long start, long end) =>
        l.Overlaps(start, end) || (end != PosixLock.OffsetMax && l.Start == end + 1) || (start != 0 && l.End == start - 1);

    private static int Compare(PosixLock a, PosixLock b)
    {
        int c = a.Start.CompareTo(b.Start);
        if (c == 0) c = a.Node.CompareTo(b.Node);
        if (c == 0) c = a.Owner.CompareTo(b.Owner);
        return c;
    }
}
