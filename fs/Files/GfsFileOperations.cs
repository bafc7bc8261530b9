using ClusterFs.Fs.Format;
using ClusterFs.Fs.Inodes;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Fs.Files;

/// <summary>
/// gfs2's file read/write entry points (fs/gfs2/file.c, current upstream): the glock taken around the generic
/// page-cache code, the copy done with page faults disabled, and on a fault the glock dropped, a bounded window
/// of the user buffer faulted in, and the operation retried. <see cref="IoDebugSwitches.FaultsUnderGlock"/>
/// restores the unfixed behaviour (copy with faults enabled under the glock, no retry).
/// </summary>
public static class GfsFileOperations
{
    private static long s_faultInRounds;

    /// <summary>Buffered fault-in rounds (glock dropped, window faulted in) since the process started: benchmarks
    /// report retries per call from it.</summary>
    public static long FaultInRounds => Interlocked.Read(ref s_faultInRounds);

    /// <summary>
    /// gfs2_file_read_iter, buffered part: first without any glock (faults disabled, NoIo: cached uptodate pages
    /// only), then under the inode glock SH with faults disabled, dropping the glock to fault in the window of the
    /// destination and retrying while something could be faulted in. Returns the bytes read, or -errno when none
    /// (EDEADLK when a fault recursed into the glock under the unfixed switch). O_DIRECT reads go to
    /// <see cref="Gfs2DirectIo.DirectRead"/> (DF glock, NoFault iterator) instead.
    /// </summary>
    public static long ReadIter(Inode inode, Kiocb iocb, IovIter to)
    {
        if (to.Count == 0) return 0;
        if ((iocb.Flags & KiocbFlags.Direct) != 0)
            return Gfs2DirectIo.DirectRead(iocb, to, inode, inode.Glock, TaskContext.Current, IoDebugSwitches.DirectModes, IoDebugSwitches.DirectTrace);
        if (IoDebugSwitches.FaultsUnderGlock) return UnfixedRead(inode, iocb, to);
        long read = 0, ret;
        var flags = iocb.Flags;
        iocb.Flags = flags | KiocbFlags.NoIo;
        using (Faults.Disable())
            ret = FilemapRead.Read(inode, iocb, to);
        iocb.Flags = flags;
        if (ret >= 0)
        {
            if (to.Count == 0) return ret;
            read = ret;
        }
        else if (ret != Errno.EFAULT.Negative)
        {
            if (ret != Errno.EAGAIN.Negative) return ret;
            if ((flags & KiocbFlags.NoWait) != 0) return ret;
        }
        long prevCount = 0;
        while (true)
        {
            var gh = inode.Lock(LockState.Shared, out var err);
            if (gh is null) return read > 0 ? read : err.Negative;
            using (Faults.Disable())
                ret = FilemapRead.Read(inode, iocb, to);
            if (ret <= 0 && ret != Errno.EFAULT.Negative) { gh.Dq(); break; }
            if (ret > 0) read += ret;
            if (!FaultInWindow.ShouldFaultInPages(to, iocb, TaskContext.Current, ref prevCount, out long window)) { gh.Dq(); break; }
            gh.Dq();
            Interlocked.Increment(ref s_faultInRounds);
            window -= FaultInIter.FaultInIovIterWriteable(to, window);
            if (window <= 0) break;
        }
        return read > 0 ? read : ret;
    }

    /// <summary>
    /// gfs2_file_buffered_write: the window is faulted in BEFORE the glock is taken and the iterator truncated to
    /// it; the write runs under EX with faults disabled; after a fault the glock is dropped and the next window
    /// faulted in. Returns the bytes written, or -errno when none (EFAULT when nothing could be faulted in).
    /// </summary>
    public static long BufferedWriteIter(Inode inode, Kiocb iocb, IovIter from)
    {
        if (IoDebugSwitches.FaultsUnderGlock) return UnfixedWrite(inode, iocb, from);
        long origCount = from.Count, written = 0, ret = 0, prevCount = 0;
        bool fault = FaultInWindow.ShouldFaultInPages(from, iocb, TaskContext.Current, ref prevCount, out long window);
        while (true)
        {
            if (fault)
            {
                Interlocked.Increment(ref s_faultInRounds);
                window -= FaultInIter.FaultInIovIterReadable(from, window);
                if (window <= 0) { ret = Errno.EFAULT.Negative; break; }
                from.Truncate(window);
            }
            var gh = inode.Lock(LockState.Exclusive, out var err);
            if (gh is null) { ret = err.Negative; break; }
            using (Faults.Disable())
                ret = BufferedWrite.Write(inode, iocb, from);
            if (ret > 0) written += ret;
            if (ret <= 0 && ret != Errno.EFAULT.Negative) { gh.Dq(); break; }
            from.Reexpand(origCount - written);
            fault = FaultInWindow.ShouldFaultInPages(from, iocb, TaskContext.Current, ref prevCount, out window);
            gh.Dq();
            if (!fault) break;
        }
        from.Reexpand(origCount - written);
        return written > 0 ? written : ret;
    }

    /// <summary>
    /// gfs2_file_write_iter: O_APPEND refreshes i_size under a brief SH; generic_write_checks (EFBIG at the maximum
    /// file size, count clipped to it); then the buffered write, and for O_SYNC/O_DSYNC a write-back of the range.
    /// O_DIRECT goes through <see cref="Gfs2DirectIo.WriteIter"/> (DF glock, buffered fallback for the rest).
    /// </summary>
    public static long WriteIter(Inode inode, Kiocb iocb, IovIter from)
    {
        if ((iocb.Flags & KiocbFlags.Append) != 0)
        {
            var sh = inode.Lock(LockState.Shared, out var err);
            if (sh is null) return err.Negative;
            iocb.Position = inode.Size;
            sh.Dq();
        }
        if (from.Count == 0) return 0;
        if (iocb.Position >= Volume.MaxFileSize) return Errno.EFBIG.Negative;
        long orig = from.Count;
        if (from.Count > Volume.MaxFileSize - iocb.Position) from.Truncate(Volume.MaxFileSize - iocb.Position);
        long start = iocb.Position;
        long ret = (iocb.Flags & KiocbFlags.Direct) != 0
            ? Gfs2DirectIo.WriteIter(iocb, from, inode, inode.Glock, (k, it) => BufferedWriteIter(inode, k, it),
                TaskContext.Current, IoDebugSwitches.DirectModes, IoDebugSwitches.DirectTrace)
            : BufferedWriteIter(inode, iocb, from);
        if (from.Count < orig && ret >= 0) from.Reexpand(Math.Min(orig - ret, orig));
        if (ret > 0 && (iocb.Flags & (KiocbFlags.Sync | KiocbFlags.Dsync)) != 0)
        {
            var e = FsyncRange(inode, start, ret);
            if (!e.IsOk) return e.Negative;
        }
        return ret;
    }

    /// <summary>vfs_fsync_range: writes back the dirty pages of the range and the size under the glock EX.</summary>
    public static Errno FsyncRange(Inode inode, long pos, long length)
    {
        var gh = inode.Lock(LockState.Exclusive, out var err);
        if (gh is null) return err;
        try
        {
            long first = pos / Page.Size;
            long end = length >= long.MaxValue - pos - Page.Size ? long.MaxValue : (pos + length + Page.Size - 1) / Page.Size;
            return inode.WritebackRange(first, end);
        }
        finally
        {
            gh.Dq();
        }
    }

    private static long UnfixedRead(Inode inode, Kiocb iocb, IovIter to)
    {
        GlockErrorReports.Take();
        var gh = inode.Lock(LockState.Shared, out var err);
        if (gh is null) return err.Negative;
        long ret;
        try { ret = FilemapRead.Read(inode, iocb, to); }
        finally { gh.Dq(); }
        return GlockErrorReports.Take() is null ? ret : Errno.EDEADLK.Negative;
    }

    private static long UnfixedWrite(Inode inode, Kiocb iocb, IovIter from)
    {
        GlockErrorReports.Take();
        var gh = inode.Lock(LockState.Exclusive, out var err);
        if (gh is null) return err.Negative;
        long ret;
        try
        {
            IoDebugSwitches.AfterUnfixedGlock?.Invoke(inode);
            ret = BufferedWrite.Write(inode, iocb, from);
        }
        finally { gh.Dq(); }
        return GlockErrorReports.Take() is null ? ret : Errno.EDEADLK.Negative;
    }
}
