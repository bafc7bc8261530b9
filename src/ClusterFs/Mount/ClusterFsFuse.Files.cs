using ClusterFs.Fs.Files;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Inodes;
using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Vfs;
using ClusterFs.Fuse;
using ClusterFs.Iov;

namespace ClusterFs.Cli.Mount;

// Open files: open, create, read, write, flush, release, fsync, fallocate, lseek, copy_file_range.
public sealed partial class ClusterFsFuse
{
    private const int O_ACCMODE = 3, O_WRONLY = 1, O_TRUNC = 0x200, O_DIRECT = 0x4000, O_DSYNC = 0x1000, O_SYNC = 0x101000;

    /// <inheritdoc/>
    public override Errno Open(in FuseContext ctx, ulong ino, int flags, ref FuseOpenReply reply)
    {
        if (ino == ControlIno) return OpenControl(flags, ref reply);
        long core = ToCore(ino);
        var inode = _node.GetInode(core);
        // libfuse negotiates atomic O_TRUNC: the kernel passes O_TRUNC here instead of sending a setattr, and
        // drops its own size and pages after the reply. So the truncation is ours, under the glock EX.
        // Like Linux, O_TRUNC truncates a regular file whatever the access mode (the kernel checked permission).
        bool truncate = (flags & O_TRUNC) != 0;
        var gh = inode.Lock(truncate ? LockState.Exclusive : LockState.Shared, out var e);
        if (gh is null) return e;
        try
        {
            uint mode = inode.Mode;
            if (FileTypeBits.IsDir(mode) && (flags & O_ACCMODE) != 0) return Errno.EISDIR;
            if (truncate && FileTypeBits.IsReg(mode))
            {
                e = inode.TruncateLocked(0);
                if (!e.IsOk) return e;
                e = _node.Volume.SetAttr(core, new SetAttrRequest { Mtime = Timestamp.Now, Ctime = Timestamp.Now });
                if (!e.IsOk) return e;
                e = inode.ReloadAttrLocked();
                if (!e.IsOk) return e;
            }
        }
        finally { gh.Dq(); }
        ChangeOpens(core, +1);
        reply.Handle = NewFileHandle();
        reply.Flags = OpenReplyFlags(flags);
        return Errno.OK;
    }

    /// <summary>
    /// O_DIRECT opens bypass the kernel page cache (FOPEN_DIRECT_IO, the dispatcher's seed). Others keep the kernel's
    /// cached pages (FOPEN_KEEP_CACHE): this node's cache is valid while it holds the glock in a caching state, and
    /// every demotion out of one queues a notify_inval_inode that drops the kernel's pages too (DESIGN.md).
    /// </summary>
    private static FuseOpenFlags OpenReplyFlags(int flags) =>
        (flags & O_DIRECT) != 0 ? FuseOpenFlags.DirectIo : FuseOpenFlags.KeepCache;

    /// <inheritdoc/>
    public override Errno Create(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, int flags, ref FuseOpenReply reply, out FuseEntry entry)
    {
        var e = CreateEntry(ctx, parent, name, FileTypeBits.S_IFREG | (mode & 0xFFF), out entry);
        if (!e.IsOk) return e;
        ChangeOpens(ToCore(entry.Ino), +1);
        reply.Handle = NewFileHandle();
        reply.Flags = OpenReplyFlags(flags);
        return Errno.OK;
    }

    /// <inheritdoc/>
    public override unsafe long Read(in FuseContext ctx, ulong ino, in FuseFile file, long offset, Span<byte> buffer)
    {
        if (ino == ControlIno) return ReadControl(file, offset, buffer);
        if (offset < 0) return Errno.EINVAL.Negative;
        var inode = _node.GetInode(ToCore(ino));
        fixed (byte* p = buffer)
        {
            var to = IovIter.CreateKvec(IterDirection.Dest, NativeMemory.Wrap(p, buffer.Length));
            var iocb = new Kiocb(offset, KiocbFlagsOf(file.OpenFlags) & KiocbFlags.Direct);
            // O_DIRECT opens reach the core's direct path (DF glock); a misaligned offset or length is EINVAL there,
            // as on a local filesystem (the kernel does not check alignment for FUSE).
            return GfsFileOperations.ReadIter(inode, iocb, to);
        }
    }

    /// <inheritdoc/>
    public override unsafe long Write(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ReadOnlySpan<byte> data)
    {
        if (ino == ControlIno) return Errno.EBADF.Negative;
        if (offset < 0) return Errno.EINVAL.Negative;
        var inode = _node.GetInode(ToCore(ino));
        fixed (byte* p = data)
        {
            // A Source iterator only reads the buffer; the kernel already placed O_APPEND writes at the end.
            var from = IovIter.CreateKvec(IterDirection.Source, NativeMemory.Wrap(p, data.Length));
            return GfsFileOperations.WriteIter(inode, new Kiocb(offset, KiocbFlagsOf(file.OpenFlags)), from);
        }
    }

    private static KiocbFlags KiocbFlagsOf(int openFlags)
    {
        var f = KiocbFlags.None;
        if ((openFlags & O_DIRECT) != 0) f |= KiocbFlags.Direct;
        if ((openFlags & O_SYNC) == O_SYNC) f |= KiocbFlags.Sync;
        else if ((openFlags & O_DSYNC) != 0) f |= KiocbFlags.Dsync;
        return f;
    }

    /// <inheritdoc/>
    public override Errno Flush(in FuseContext ctx, ulong ino, in FuseFile file)
    {
        if (ino != ControlIno) PlockFlush(ino, file);
        return Errno.OK;
    }

    /// <inheritdoc/>
    public override Errno Release(in FuseContext ctx, ulong ino, in FuseFile file)
    {
        if (ino == ControlIno) { ReleaseControl(file); return Errno.OK; }
        if (file.IsFlockRelease) FlockUnlock((ToCore(ino), file.LockOwner));
        PlockRelease(file);
        ChangeOpens(ToCore(ino), -1);
        return Errno.OK;
    }

    /// <inheritdoc/>
    public override Errno Fsync(in FuseContext ctx, ulong ino, in FuseFile file, bool dataOnly)
    {
        if (ino == ControlIno) return Errno.OK;
        return GfsFileOperations.FsyncRange(_node.GetInode(ToCore(ino)), 0, long.MaxValue);
    }

    /// <inheritdoc/>
    public override Errno Fallocate(in FuseContext ctx, ulong ino, in FuseFile file, int mode, long offset, long length)
    {
        const int KeepSize = 1, PunchHole = 2;
        if (ino == ControlIno) return Errno.EBADF;
        if (offset < 0 || length <= 0) return Errno.EINVAL;
        if ((mode & ~(KeepSize | PunchHole)) != 0) return Errno.EOPNOTSUPP;
        bool punch = (mode & PunchHole) != 0;
        if (punch && (mode & KeepSize) == 0) return Errno.EOPNOTSUPP;
        // No access-mode check here: the kernel refuses fallocate on a file not open for writing, and libfuse
        // does not pass the open flags with this request.
        var inode = _node.GetInode(ToCore(ino));
        var gh = inode.Lock(LockState.Exclusive, out var e);
        if (gh is null) return e;
        try
        {
            if (!FileTypeBits.IsReg(inode.Mode)) return Errno.ENODEV;
            return punch ? inode.PunchLocked(offset, length) : inode.AllocateLocked(offset, length, (mode & KeepSize) != 0);
        }
        finally { gh.Dq(); }
    }

    /// <inheritdoc/>
    public override long Lseek(in FuseContext ctx, ulong ino, in FuseFile file, long offset, int whence)
    {
        const int SeekData = 3, SeekHole = 4;
        if (whence is not (SeekData or SeekHole)) return Errno.EINVAL.Negative;
        if (ino == ControlIno) return Errno.ENXIO.Negative;
        var inode = _node.GetInode(ToCore(ino));
        var gh = inode.Lock(LockState.Shared, out var e);
        if (gh is null) return e.Negative;
        try
        {
            long size = inode.Size;
            if (offset < 0 || offset >= size) return Errno.ENXIO.Negative;
            return SeekDataHole(inode, offset, size, whence == SeekData);
        }
        finally { gh.Dq(); }
    }

    /// <summary>SEEK_DATA/SEEK_HOLE over the block map (unwritten extents count as data), as FsProcess.Lseek.</summary>
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

    /// <inheritdoc/>
    public override long CopyFileRange(in FuseContext ctx, ulong inoIn, in FuseFile fileIn, long offsetIn, ulong inoOut, in FuseFile fileOut, long offsetOut, long length, int flags)
    {
        if (flags != 0 || inoIn == ControlIno || inoOut == ControlIno) return Errno.EINVAL.Negative;
        if (offsetIn < 0 || offsetOut < 0) return Errno.EINVAL.Negative;
        var src = _node.GetInode(ToCore(inoIn));
        var dst = _node.GetInode(ToCore(inoOut));
        // Through the same read and write paths as FUSE reads and writes, one bounded chunk at a time.
        var chunk = new byte[(int)Math.Min(length, 1 << 20)];
        long copied = 0;
        while (copied < length)
        {
            int want = (int)Math.Min(chunk.Length, length - copied);
            long r = GfsFileOperations.ReadIter(src, new Kiocb(offsetIn + copied), IovIter.CreateKvec(IterDirection.Dest, chunk.AsMemory(0, want)));
            if (r <= 0) return copied > 0 ? copied : r;
            long w = GfsFileOperations.WriteIter(dst, new Kiocb(offsetOut + copied), IovIter.CreateKvec(IterDirection.Source, chunk.AsMemory(0, (int)r)));
            if (w <= 0) return copied > 0 ? copied : w;
            copied += w;
            if (w < r) break;
        }
        return copied;
    }
}
