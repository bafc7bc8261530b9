using ClusterFs.Fs.Files;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Inodes;
using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.Api;

// fsync, ftruncate, fallocate, lseek, fstat, mmap, munmap, msync.
public sealed partial class FsProcess
{
    /// <summary>fsync(2): writes back the file's dirty pages and size. EBADF.</summary>
    public Errno Fsync(int fd)
    {
        var file = Get(fd);
        if (file is null) return Errno.EBADF;
        using var task = Enter();
        return GfsFileOperations.FsyncRange(file.Inode, 0, long.MaxValue);
    }

    /// <summary>ftruncate(2): EBADF (not open for writing), EINVAL (negative, not a regular file), EFBIG.</summary>
    public Errno Ftruncate(int fd, long length)
    {
        var file = Get(fd);
        if (file is null || !file.CanWrite) return Errno.EBADF;
        if (length < 0) return Errno.EINVAL;
        using var task = Enter();
        return TruncateInode(file.Inode, length);
    }

    private static Errno TruncateInode(Inode inode, long length)
    {
        var gh = inode.Lock(LockState.Exclusive, out var e);
        if (gh is null) return e;
        try
        {
            if (!FileTypeBits.IsReg(inode.Mode)) return Errno.EINVAL;
            return inode.TruncateLocked(length);
        }
        finally { gh.Dq(); }
    }

    /// <summary>fallocate(2): mode 0 or KeepSize preallocates (unwritten, reads as zeroes); PunchHole|KeepSize frees
    /// the range. EBADF, EINVAL (bad range, PunchHole without KeepSize), EOPNOTSUPP (other modes), EFBIG.</summary>
    public Errno Fallocate(int fd, FallocateMode mode, long offset, long length)
    {
        var file = Get(fd);
        if (file is null || !file.CanWrite) return Errno.EBADF;
        if (offset < 0 || length <= 0) return Errno.EINVAL;
        if ((mode & ~(FallocateMode.KeepSize | FallocateMode.PunchHole)) != 0) return Errno.EOPNOTSUPP;
        bool punch = (mode & FallocateMode.PunchHole) != 0;
        if (punch && (mode & FallocateMode.KeepSize) == 0) return Errno.EOPNOTSUPP;
        using var task = Enter();
        var inode = file.Inode;
        var gh = inode.Lock(LockState.Exclusive, out var e);
        if (gh is null) return e;
        try
        {
            if (!FileTypeBits.IsReg(inode.Mode)) return Errno.ENODEV;
            return punch ? inode.PunchLocked(offset, length) : inode.AllocateLocked(offset, length, (mode & FallocateMode.KeepSize) != 0);
        }
        finally { gh.Dq(); }
    }

    /// <summary>lseek(2): returns the new position or -errno (EINVAL for a negative result or bad whence, ENXIO for
    /// SEEK_DATA/SEEK_HOLE at or past EOF). SEEK_DATA/HOLE follow the block map (unwritten extents count as data,
    /// a stuffed file is all data).</summary>
    public long Lseek(int fd, long offset, Whence whence)
    {
        var file = Get(fd);
        if (file is null) return Errno.EBADF.Negative;
        using var task = Enter();
        var inode = file.Inode;
        lock (file.PositionLock)
        {
            long pos;
            switch (whence)
            {
                case Whence.Set: pos = offset; break;
                case Whence.Current: pos = file.Position + offset; break;
                case Whence.End:
                case Whence.Data:
                case Whence.Hole:
                {
                    var gh = inode.Lock(LockState.Shared, out var e);
                    if (gh is null) return e.Negative;
                    try
                    {
                        long size = inode.Size;
                        if (whence == Whence.End) { pos = size + offset; break; }
                        if (offset < 0 || offset >= size) return Errno.ENXIO.Negative;
                        long r = SeekDataHole(inode, offset, size, whence == Whence.Data);
                        if (r < 0) return r;
                        pos = r;
                    }
                    finally { gh.Dq(); }
                    break;
                }
                default: return Errno.EINVAL.Negative;
            }
            if (pos < 0) return Errno.EINVAL.Negative;
            file.Position = pos;
            return pos;
        }
    }

    private static long SeekDataHole(Inode inode, long offset, long size, bool data)
    {
        for (long pos = offset; pos < size;)
        {
            var e = inode.Begin(pos, size - pos, IomapIterFlags.Report, out var m);
            if (!e.IsOk) return e.Negative;
            bool isData = m.Type != IomapType.Hole;
            if (isData == data) return Math.Max(pos, m.Offset);
            pos = m.Offset + m.Length;
        }
        return data ? Errno.ENXIO.Negative : size;
    }

    /// <summary>fstat(2): the inode's attributes (size as this node sees it, dirty data included).</summary>
    public Errno Fstat(int fd, out InodeAttr? attr)
    {
        attr = null;
        var file = Get(fd);
        if (file is null) return Errno.EBADF;
        using var task = Enter();
        return StatInode(file.Inode, out attr);
    }

    private static Errno StatInode(Inode inode, out InodeAttr? attr)
    {
        attr = null;
        var gh = inode.Lock(LockState.Shared, out var e);
        if (gh is null) return e;
        try
        {
            e = inode.ReloadAttrLocked();
            attr = inode.Attr;
            return e;
        }
        finally { gh.Dq(); }
    }

    /// <summary>mmap(2) of a file: [offset, offset + length) of <paramref name="fd"/> at <paramref name="addr"/> (a hint
    /// unless Fixed). Returns the address or -errno: EBADF, EACCES (a shared writable mapping of a file not open
    /// for writing, or any mapping of a file not open for reading), EINVAL (unaligned offset, zero length),
    /// ENODEV (not a regular file).</summary>
    public long Mmap(int fd, ulong addr, long length, Prot prot, MapFlags flags, long offset)
    {
        var file = Get(fd);
        if (file is null) return Errno.EBADF.Negative;
        if (offset < 0 || (offset & (Page.Size - 1)) != 0) return Errno.EINVAL.Negative;
        if (!file.CanRead) return Errno.EACCES.Negative;
        if ((flags & MapFlags.Shared) != 0 && (prot & Prot.Write) != 0 && !file.CanWrite) return Errno.EACCES.Negative;
        if (!FileTypeBits.IsReg(file.Inode.Mode)) return Errno.ENODEV.Negative;
        return Mm.MmapFile(addr, length, prot, flags, file.Inode.Mapping, offset / Page.Size);
    }

    /// <summary>munmap(2).</summary>
    public Errno Munmap(ulong addr, long length) => Mm.Munmap(addr, length);

    /// <summary>msync(2) (MS_SYNC): writes back the file pages under every shared file mapping in the range.
    /// EINVAL for an unaligned address, ENOMEM when part of the range is unmapped.</summary>
    public Errno Msync(ulong addr, long length)
    {
        if ((addr & (Page.Size - 1)) != 0 || length < 0) return Errno.EINVAL;
        using var task = Enter();
        ulong end = addr + (ulong)length;
        Errno result = Errno.OK;
        for (ulong a = addr; a < end;)
        {
            var vma = Mm.FindVma(a);
            if (vma is null || vma.Start > a) return Errno.ENOMEM;
            ulong to = Math.Min(end, vma.End);
            if (vma.IsShared && vma.Mapping?.Operations is InodeVmOperations ops)
            {
                long first = vma.PageOffset + (long)((a - vma.Start) >> Page.Shift);
                long pages = (long)((to - a + Page.Size - 1) >> Page.Shift);
                var e = GfsFileOperations.FsyncRange(ops.Inode, first * Page.Size, pages * Page.Size);
                if (result.IsOk && !e.IsOk) result = e;
            }
            a = to;
        }
        return result;
    }
}
