namespace ClusterFs.Fs.LockManagers;

/// <summary>
/// A POSIX record-lock request of one lock owner of this node (the kernel's <c>lock_owner</c>: a process's file table
/// for classic locks, an open file for OFD locks). The range [<see cref="Start"/>, <see cref="End"/>] is inclusive, as the
/// kernel passes it to FUSE; <see cref="End"/> = <see cref="PosixLock.OffsetMax"/> means "to the end of the file and beyond".
/// </summary>
public readonly record struct PosixLockRequest(ulong Owner, PosixLockType Type, long Start, long End, int Pid)
{
    /// <summary>True when 0 &lt;= Start &lt;= End and the type is one of the three.</summary>
    public bool IsValid => Start >= 0 && End >= Start && Type is PosixLockType.Read or PosixLockType.Write or PosixLockType.Unlock;

    /// <summary>Throws ArgumentException when the request is malformed (a caller's bug: the FUSE adapter validates first).</summary>
    public void Validate()
    {
        if (!IsValid)
            throw new ArgumentException($"malformed POSIX lock request {this}: need 0 <= start <= end and a known type", "request");
    }
}
