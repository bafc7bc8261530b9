using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Iomap;

/// <summary>
/// struct iomap_dio: the state of one <see cref="IomapDio.Rw"/> call shared by the submitter and the bios.
/// The submitter holds one reference and every bio in flight one more; whoever drops the last reference
/// finishes the call: it wakes a waiting submitter, or (asynchronous kiocb, nobody waiting) runs the
/// completion and calls <see cref="Kiocb.Complete"/>.
/// </summary>
internal sealed class DioState
{
    private int _refs = 1;
    private int _error;
    // Set once the last reference is dropped while the submitter waits; bounded by the device I/O.
    private readonly ManualResetEventSlim? _done;

    public DioState(Kiocb iocb, IovIter iter, IDioHost host, bool write, long doneBefore, bool async)
    {
        Iocb = iocb;
        Iter = iter;
        Host = host;
        IsWrite = write;
        DoneBefore = doneBefore;
        StartPos = iocb.Position;
        ISize = host.Size;
        DirtyPages = !write && iter.IsUserBacked;
        NeedSync = write && (iocb.Flags & (KiocbFlags.Dsync | KiocbFlags.Sync)) != 0;
        if (async) _done = new ManualResetEventSlim(false);
        WaitForCompletion = !async;
    }

    public Kiocb Iocb { get; }

    public IovIter Iter { get; }

    public IDioHost Host { get; }

    public bool IsWrite { get; }

    public long DoneBefore { get; }

    public long StartPos { get; }

    /// <summary>i_size when the call started: reads report bytes up to it only.</summary>
    public long ISize { get; }

    /// <summary>IOMAP_DIO_DIRTY: a read into user pages dirties them at completion.</summary>
    public bool DirtyPages { get; }

    public bool NeedSync { get; }

    /// <summary>Bytes submitted or copied so far (dio->size).</summary>
    public long Size;

    /// <summary>Whether the submitter waits for the bios (sync kiocb, ForceWait, or a partial/ENOTBLK exit).
    /// Only changed by the submitter while it still holds its reference, so a bio dropping the last
    /// reference always sees the final value.</summary>
    public bool WaitForCompletion;

    /// <summary>The first error a bio or the submission reported (dio->error).</summary>
    public Errno Error => new(Volatile.Read(ref _error));

    public void SetError(Errno err)
    {
        if (!err.IsOk) Interlocked.CompareExchange(ref _error, err.Value, 0);
    }

    public void AddBioRef() => Interlocked.Increment(ref _refs);

    /// <summary>iomap_dio_bio_end_io: records the bio's error and drops its reference.</summary>
    public void BioDone(Errno err)
    {
        SetError(err);
        if (Interlocked.Decrement(ref _refs) != 0) return;
        if (WaitForCompletion) _done?.Set();
        else Iocb.Complete!(Iocb, Complete());
    }

    /// <summary>Drops the submitter's reference. Returns true when every bio already finished (the caller
    /// completes inline); false when bios are still in flight (they complete or wake the waiter).</summary>
    public bool DropSubmitterRef() => Interlocked.Decrement(ref _refs) == 0;

    /// <summary>Waits for the in-flight bios after <see cref="DropSubmitterRef"/> returned false with
    /// <see cref="WaitForCompletion"/> set. Device I/O always finishes, so this wait ends.</summary>
    public void WaitForBios() => _done!.Wait();

    /// <summary>iomap_dio_complete: end_io, the read clamp to i_size, page-cache invalidation after a
    /// write, ki_pos, O_DSYNC flush, done_before (on success only). Returns the call's result.</summary>
    public long Complete()
    {
        try
        {
            return CompleteCall();
        }
        finally
        {
            Host.DioEnd();
        }
    }

    private long CompleteCall()
    {
        Errno err = Host.EndIo(StartPos, Size, Error, IsWrite);
        long ret;
        if (!err.IsOk)
        {
            ret = err.Negative;
        }
        else
        {
            ret = Size;
            if (!IsWrite && StartPos + ret > ISize) ret = Math.Max(0, ISize - StartPos);
        }
        // kiocb_invalidate_post_direct_write: drop pages a racing buffered read may have cached meanwhile.
        if (IsWrite && Error.IsOk && Size > 0) Host.InvalidatePages(StartPos, Size);
        if (ret > 0)
        {
            Iocb.Position += ret;
            if (NeedSync)
            {
                Errno flush = Host.Device.Flush();
                if (!flush.IsOk) ret = flush.Negative;
            }
            if (ret > 0) ret += DoneBefore;
        }
        // _done is not disposed: a bio's Set may still be returning while the woken submitter gets here, and
        // an event whose wait handle was never materialised holds nothing the GC cannot collect.
        return ret;
    }
}
