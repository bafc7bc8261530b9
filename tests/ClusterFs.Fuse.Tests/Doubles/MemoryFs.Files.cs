using ClusterFs.Iov;

namespace ClusterFs.Fuse.Tests.Doubles;

internal sealed partial class MemoryFs
{
    private const int O_TRUNC = 0x200;
    private const int FALLOC_FL_KEEP_SIZE = 1;
    private const int FALLOC_FL_PUNCH_HOLE = 2;
    private const int SEEK_DATA = 3;
    private const int SEEK_HOLE = 4;

    public override Errno Open(in FuseContext ctx, ulong ino, int flags, ref FuseOpenReply reply)
    {
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT;
            if (i.IsDir)
                return Errno.EISDIR;
            if ((flags & O_TRUNC) != 0)
                i.Truncate(0);
            OpenLocked(i, flags, ref reply);
            return Errno.OK;
        }
    }

    public override Errno Create(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, int flags, ref FuseOpenReply reply, out FuseEntry entry)
    {
        Errno e = MakeNode(ctx, parent, name, MemoryInode.S_IFREG | (mode & 0xFFF), out entry, out MemoryInode? node);
        if (!e.IsOk)
            return e;
        lock (_lock)
            OpenLocked(node!, flags, ref reply);
        return Errno.OK;
    }

    public override long Read(in FuseContext ctx, ulong ino, in FuseFile file, long offset, Span<byte> buffer)
    {
        Interlocked.Increment(ref _reads);
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT.Negative;
            return i.Read(offset, buffer);
        }
    }

    public override long Write(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT.Negative;
            Errno fault = CheckFault(i.Name);
            if (!fault.IsOk)
                return fault.Negative;
            i.Write(offset, data);
            MaxWriteSeen = Math.Max(MaxWriteSeen, data.Length);
            i.Mtime = i.Ctime = FuseTime.Now;
            return data.Length;
        }
    }

    public override Errno Flush(in FuseContext ctx, ulong ino, in FuseFile file)
    {
        // close() of any descriptor drops the POSIX locks of its owner.
        Locks.ReleaseOwner(ino, file.LockOwner, flock: false);
        return Errno.OK;
    }

    public override Errno Release(in FuseContext ctx, ulong ino, in FuseFile file)
    {
        if (file.IsFlockRelease)
            Locks.ReleaseOwner(ino, file.LockOwner, flock: true);
        Locks.ReleaseHandle(ino, file.Handle);
        lock (_lock)
        {
            _handles.Remove(file.Handle);
            if (_inodes.TryGetValue(ino, out MemoryInode? i))
            {
                i.OpenCount--;
                MaybeFreeLocked(i);
            }
        }
        return Errno.OK;
    }

    public override Errno Fsync(in FuseContext ctx, ulong ino, in FuseFile file, bool dataOnly)
    {
        Interlocked.Increment(ref _fsyncs);
        return Errno.OK;
    }

    public override Errno Fallocate(in FuseContext ctx, ulong ino, in FuseFile file, int mode, long offset, long length)
    {
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT;
            long end = offset + length;
            switch (mode)
            {
                case 0:
                case FALLOC_FL_KEEP_SIZE:
                    i.Allocate(offset, end);
                    if (mode == 0)
                        i.Size = Math.Max(i.Size, end);
                    break;
                case FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE:
                    i.Punch(offset, end);
                    break;
                default:
                    return Errno.EOPNOTSUPP;
            }
            i.Mtime = i.Ctime = FuseTime.Now;
            return Errno.OK;
        }
    }

    public override long Lseek(in FuseContext ctx, ulong ino, in FuseFile file, long offset, int whence)
    {
        if (whence != SEEK_DATA && whence != SEEK_HOLE)
            return Errno.EINVAL.Negative;
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT.Negative;
            long r = i.Seek(offset, whence == SEEK_DATA);
            return r < 0 ? Errno.ENXIO.Negative : r;
        }
    }

    public override long CopyFileRange(in FuseContext ctx, ulong inoIn, in FuseFile fileIn, long offsetIn, ulong inoOut, in FuseFile fileOut, long offsetOut, long length, int flags)
    {
        Interlocked.Increment(ref _copies);
        lock (_lock)
        {
            if (!_inodes.TryGetValue(inoIn, out MemoryInode? src) || !_inodes.TryGetValue(inoOut, out MemoryInode? dst))
                return Errno.ENOENT.Negative;
            byte[] tmp = new byte[(int)Math.Min(length, Math.Max(0, src.Size - offsetIn))];
            int n = src.Read(offsetIn, tmp);
            dst.Write(offsetOut, tmp.AsSpan(0, n));
            dst.Mtime = dst.Ctime = FuseTime.Now;
            return n;
        }
    }

    private void OpenLocked(MemoryInode i, int flags, ref FuseOpenReply reply)
    {
        reply.Handle = _nextHandle++;
        _handles[reply.Handle] = (i.Ino, flags);
        i.OpenCount++;
        if ((reply.Flags & FuseOpenFlags.DirectIo) != 0)
            Interlocked.Increment(ref _directOpens);
        else
            reply.Flags |= FuseOpenFlags.KeepCache; // Only this process changes data, except OverwriteBehindKernel + notify.
    }
}
