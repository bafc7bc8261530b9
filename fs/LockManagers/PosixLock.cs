namespace ClusterFs.Fs.LockManagers;

/// <summary>
/// One granted POSIX record lock: an inclusive byte range [<see cref="Start"/>, <see cref="End"/>] of type Read or Write,
/// held by lock owner <see cref="Owner"/> of the node with journal id <see cref="Node"/>, taken by process <see cref="Pid"/>
/// (the pid on that node). A lock owner is the pair (Node, Owner): the kernel's lock owners are only unique per node.
/// </summary>
public readonly record struct PosixLock(PosixLockType Type, long Start, long End, int Node, ulong Owner, int Pid)
{
    /// <summary>The kernel's OFFSET_MAX: the end of a lock that runs to EOF (l_len 0).</summary>
    public const long OffsetMax = long.MaxValue;

    /// <summary>True when both ranges share at least one byte.</summary>
    public bool Overlaps(long start, long end) => Start <= end && start <= End;

    /// <summary>True when this lock stands in the way of a request of (node, owner) for <paramref name="type"/> over [start, end]:
    /// another owner, overlapping, and at least one of the two is a write lock. An unlock conflicts with nothing.</summary>
    public bool ConflictsWith(int node, ulong owner, PosixLockType type, long start, long end) =>
        (Node != node || Owner != owner) && type != PosixLockType.Unlock && (Type == PosixLockType.Write || type == PosixLockType.Write)
        && Overlaps(start, end);

    /// <summary>True when this lock belongs to (node, owner).</summary>
    public bool IsOwnedBy(int node, ulong owner) => Node == node && Owner == owner;

    public override string ToString() => $"{(Type == PosixLockType.Write ? "W" : "R")}[{Start}..{(End == OffsetMax ? "max" : End)}] {Node}/{Owner:x} pid {Pid}";
}
