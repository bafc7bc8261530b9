using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Fs.Files;

/// <summary>
/// gfs2's direct-I/O entry points (fs/gfs2/file.c, current upstream): <see cref="IomapDio.Rw"/> under the inode
/// glock in DF with <see cref="IovIter.NoFault"/> (and page faults disabled for reads), so no page fault is
/// ever taken while the glock is held; on a fault the glock is dropped, a window of the user buffer faulted
/// in (<see cref="FaultInWindow.ShouldFaultInPages"/>) and the I/O retried with the running total as
/// done_before. ClusterFs caps the retries on both sides: a round without progress at a one-page window
/// ends the loop (writes go buffered, reads fail with EFAULT), so GUP that keeps refusing pages fault-in
/// can populate (IO/PFNMAP buffers, the zero page under FastOnly) never spins.
/// </summary>
public static class Gfs2DirectIo
{
    /// <summary>
    /// gfs2_file_direct_read. Returns the bytes read (the cumulative iomap result), 0 at/after EOF or for an
    /// empty iterator, -EIOCBQUEUED for a queued asynchronous read, or -errno: an error discards any partial
    /// progress ("user space doesn't expect partial success"), EFAULT when the buffer cannot be faulted in or
    /// the retry cap is hit, the glock's error (EDEADLK on recursion, EIO when withdrawn).
    /// <see cref="Kiocb.Position"/> advances by the bytes read, even when an error is returned after progress.
    /// </summary>
    public static long DirectRead(Kiocb iocb, IovIter to, IDioHost host, Glock glock, TaskContext task,
        DirectIoUnfixedModes unfixed = DirectIoUnfixedModes.None, DirectIoTrace? trace = null)
    {
        CheckArguments(iocb, to, host, glock, task);
        if (to.Count == 0) return 0;
        var gh = new GlockHolder(glock, LockState.Deferred);
        if ((unfixed & DirectIoUnfixedModes.FaultsUnderGlock) != 0) return Unfixed(iocb, to, host, gh, trace);
        long prevCount = 0, read = 0, ret, window = 0;
        while (true)
        {
            GlockResult locked = gh.Nq();
            if (!locked.IsOk) { ret = locked.Errno.Negative; break; }
            if (trace is not null) trace.Rounds++;
            long before = to.Count;
            to.NoFault = true;
            to.GupFastOnly = (unfixed & DirectIoUnfixedModes.GupFastOnly) != 0;
            using (Faults.Disable())
                ret = IomapDio.Rw(iocb, to, host, DioFlags.Partial, read);
            to.NoFault = false;
            to.GupFastOnly = false;
            Record(trace, ret, before, to.Count);
            if (ret <= 0 && ret != Errno.EFAULT.Negative) break;
            // Assign, not add: iomap returns the cumulative total (done_before included).
            if (ret > 0) read = ret;
            bool enoughRetries = prevCount == to.Count && window <= Page.Size;
            if (!FaultInWindow.ShouldFaultInPages(to, iocb, task, ref prevCount, out window)) break;
            if (enoughRetries)
            {
                // ClusterFs's read-side cap (upstream has none): GUP keeps refusing what fault-in populates.
                ret = Errno.EFAULT.Negative;
                break;
            }
            gh.Dq();
            if (trace is not null) trace.FaultIns++;
            window -= FaultInIter.FaultInIovIterWriteable(to, window);
            if (window <= 0) break;
        }
        if (gh.IsQueued) gh.Dq();
        return ret < 0 ? ret : read;
    }

    /// <summary>
    /// gfs2_file_direct_write (i_rwsem is the caller's business). Returns the bytes written directly (the
    /// cumulative iomap result), 0 when the caller must write (the rest) buffered — a write extending the file,
    /// ENOTBLK from iomap, or the retry cap reached after a round without progress at a one-page window —,
    /// -EIOCBQUEUED for a queued asynchronous write, or -errno (partial progress then discarded).
    /// The caller continues with buffered I/O whenever the result is not negative and bytes are left.
    /// </summary>
    public static long DirectWrite(Kiocb iocb, IovIter from, IDioHost host, Glock glock, TaskContext task,
        DirectIoUnfixedModes unfixed = DirectIoUnfixedModes.None, DirectIoTrace? trace = null)
    {
        CheckArguments(iocb, from, host, glock, task);
        var gh = new GlockHolder(glock, LockState.Deferred);
        if ((unfixed & DirectIoUnfixedModes.FaultsUnderGlock) != 0) return Unfixed(iocb, from, host, gh, trace);
        long prevCount = 0, written = 0, ret, window = 0;
        while (true)
        {
            GlockResult locked = gh.Nq();
            if (!locked.IsOk) { ret = locked.Errno.Negative; break; }
            // Silently fall back to buffered I/O for writes that extend the file (i_size read under the glock).
            if (iocb.Position + from.Count > host.Size)
            {
                if (trace is not null) trace.BeyondEof = true;
                ret = 0;
                break;
            }
            if (trace is not null) trace.Rounds++;
            long before = from.Count;
            // Page faults stay enabled: a direct write only touches user memory through GUP, which NoFault stops.
            from.NoFault = true;
            from.GupFastOnly = (unfixed & DirectIoUnfixedModes.GupFastOnly) != 0;
            ret = IomapDio.Rw(iocb, from, host, DioFlags.Partial, written);
            from.NoFault = false;
            from.GupFastOnly = false;
            Record(trace, ret, before, from.Count);
            if (ret <= 0)
            {
                if (ret == Errno.ENOTBLK.Negative) ret = 0;
                if (ret != Errno.EFAULT.Negative) break;
            }
            if (ret > 0) written = ret;
            bool enoughRetries = prevCount == from.Count && window <= Page.Size;
            if (!FaultInWindow.ShouldFaultInPages(from, iocb, task, ref prevCount, out window)) break;
            gh.Dq();
            if (trace is not null) trace.FaultIns++;
            window -= FaultInIter.FaultInIovIterReadable(from, window);
            if (window <= 0) break;
            if (enoughRetries)
            {
                // Fault-in works but GUP still refuses (IO/PFNMAP, invalidation): go buffered.
                if (trace is not null) trace.RetryCapHit = true;
                ret = 0;
                break;
            }
        }
        if (gh.IsQueued) gh.Dq();
        return ret < 0 ? ret : written;
    }

    /// <summary>
    /// The O_DIRECT branch of gfs2_file_write_iter: the direct write, then, if it did not fail and bytes are
    /// left, <paramref name="bufferedWrite"/> (gfs2_file_buffered_write, which takes the glock itself) for the
    /// rest with O_DSYNC set; the buffered range is then written back and dropped from the page cache
    /// (<see cref="IDioHost.WriteAndWait"/>, <see cref="IDioHost.InvalidatePages"/>) to keep O_DIRECT
    /// semantics. Returns the total bytes written, or -errno when nothing was (a write-back failure reports
    /// only the direct part).
    /// </summary>
    public static long WriteIter(Kiocb iocb, IovIter from, IDioHost host, Glock glock, Func<Kiocb, IovIter, long> bufferedWrite,
        TaskContext task, DirectIoUnfixedModes unfixed = DirectIoUnfixedModes.None, DirectIoTrace? trace = null)
    {
        ArgumentNullException.ThrowIfNull(bufferedWrite);
        long ret = DirectWrite(iocb, from, host, glock, task, unfixed, trace);
        if (ret < 0 || from.Count == 0) return ret;
        iocb.Flags |= KiocbFlags.Dsync;
        long buffered = bufferedWrite(iocb, from);
        if (buffered <= 0) return ret == 0 ? buffered : ret;
        if (trace is not null) trace.BufferedBytes += buffered;
        long start = iocb.Position - buffered;
        Errno synced = host.WriteAndWait(start, buffered);
        long ret2 = synced.IsOk ? buffered : synced.Negative;
        // Drop the buffered pages: later O_DIRECT reads and other nodes must see the device, not this cache.
        host.InvalidatePages(start, buffered);
        if (ret == 0 || ret2 > 0) ret += ret2;
        return ret;
    }

    /// <summary>The pre-5.16 path: one direct I/O under the glock, faults allowed, no retry.</summary>
    private static long Unfixed(Kiocb iocb, IovIter iter, IDioHost host, GlockHolder gh, DirectIoTrace? trace)
    {
        GlockResult locked = gh.Nq();
        if (!locked.IsOk) return locked.Errno.Negative;
        try
        {
            bool write = iter.Direction == IterDirection.Source;
            if (write && iocb.Position + iter.Count > host.Size) return 0;
            if (trace is not null) trace.Rounds++;
            long before = iter.Count;
            long ret = IomapDio.Rw(iocb, iter, host, DioFlags.None, 0);
            Record(trace, ret, before, iter.Count);
            return write && ret == Errno.ENOTBLK.Negative ? 0 : ret;
        }
        finally
        {
            gh.Dq();
        }
    }

    private static void Record(DirectIoTrace? trace, long ret, long countBefore, long countAfter)
    {
        if (trace is null) return;
        if (countAfter == countBefore) trace.RoundsWithoutProgress++;
        if (ret > 0) trace.DirectBytes = ret;
    }

    private static void CheckArguments(Kiocb iocb, IovIter iter, IDioHost host, Glock glock, TaskContext task)
    {
        ArgumentNullException.ThrowIfNull(iocb);
        ArgumentNullException.ThrowIfNull(iter);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(glock);
        ArgumentNullException.ThrowIfNull(task);
    }
}
