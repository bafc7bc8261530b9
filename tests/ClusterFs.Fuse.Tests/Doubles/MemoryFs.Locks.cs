using ClusterFs.Iov;

namespace ClusterFs.Fuse.Tests.Doubles;

internal sealed partial class MemoryFs
{
    private const int LOCK_SH = 1;
    private const int LOCK_EX = 2;
    private const int LOCK_NB = 4;
    private const int LOCK_UN = 8;

    public override Errno GetLk(in FuseContext ctx, ulong ino, in FuseFile file, ref FuseLock lk)
    {
        (long start, long end) = Range(lk);
        FuseLock? c = Locks.Conflict(ino, file.LockOwner, lk.Type, start, end, flock: false);
        lk = c ?? new FuseLock { Type = FuseLock.Unlock, Start = lk.Start, Length = lk.Length };
        return Errno.OK;
    }

    public override Errno SetLk(in FuseContext ctx, ulong ino, in FuseFile file, in FuseLock lk, bool sleep, CancellationToken cancel)
    {
        (long start, long end) = Range(lk);
        return Locks.Set(ino, file.LockOwner, file.Handle, lk.Type, start, end, flock: false, lk.Pid, sleep, cancel);
    }

    public override Errno Flock(in FuseContext ctx, ulong ino, in FuseFile file, int op, CancellationToken cancel)
    {
        short type = (op & ~LOCK_NB) switch
        {
            LOCK_SH => FuseLock.ReadLock,
            LOCK_EX => FuseLock.WriteLock,
            LOCK_UN => FuseLock.Unlock,
            _ => -1,
        };
        if (type < 0)
            return Errno.EINVAL;
        Errno e = Locks.Set(ino, file.LockOwner, file.Handle, type, 0, long.MaxValue, flock: true, ctx.Pid, (op & LOCK_NB) == 0, cancel);
        // flock(2) reports a conflict as EWOULDBLOCK (== EAGAIN).
        return e;
    }

    private static (long Start, long End) Range(in FuseLock lk)
    {
        // The kernel sends absolute ranges with an inclusive end; libfuse turns them into
        // start/len with len 0 meaning "to EOF".
        long end = lk.Length == 0 ? long.MaxValue : lk.Start + lk.Length;
        return (lk.Start, end);
    }
}
