using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Userfaults;

// UFFDIO_COPY and UFFDIO_ZEROPAGE: atomic page fills of missing pages, then a wake of the filled range.
public sealed partial class UserfaultContext
{
    /// <summary>UFFDIO_COPY: fills the missing pages at <paramref name="dst"/> with <paramref name="source"/> (the
    /// handler's bytes; a page-multiple length), page by page, each atomically, and wakes the filled range
    /// unless DontWake. Returns OK when all was copied, EAGAIN when only part was (then
    /// <paramref name="copied"/> holds the bytes done), else the error with <paramref name="copied"/> = -errno:
    /// EEXIST (page already present), ENOENT (not in a range registered here), EINVAL (bad range or mode),
    /// EAGAIN at once while a REMOVE/UNMAP event is unread (mmap_changing; read the events, then retry),
    /// EINTR (fatal signal), ESRCH (address space gone), EBADF (released).</summary>
    public Errno Copy(ulong dst, ReadOnlySpan<byte> source, UserfaultCopyModes mode, out long copied)
    {
        copied = 0;
        var check = CheckReady();
        if (!check.IsOk) return Fail(check, out copied);
        if ((mode & ~(UserfaultCopyModes.DontWake | UserfaultCopyModes.WriteProtect)) != 0 || !ValidRange(dst, source.Length))
            return Fail(Errno.EINVAL, out copied);
        if (MmapChanging) return Fail(Errno.EAGAIN, out copied);
        bool wp = (mode & UserfaultCopyModes.WriteProtect) != 0;
        long done = 0;
        Errno error = Errno.OK;
        while (done < source.Length)
        {
            if (done > 0 && TaskContext.Current.FatalSignalPending) { error = Errno.EINTR; break; }
            var page = AddressSpace.NewAnonymousPage();
            source.Slice((int)done, Page.Size).CopyTo(page.Span);
            error = Mm.FillUserfaultPte(dst + (ulong)done, this, page, wp);
            if (!error.IsOk) break;
            done += Page.Size;
        }
        return Finish(dst, done, source.Length, error, mode, out copied);
    }

    /// <summary>UFFDIO_ZEROPAGE: maps the zero page at every missing page of [start, start + length) and wakes
    /// the range unless DontWake. Results as <see cref="Copy"/>.</summary>
    public Errno ZeroPage(ulong start, long length, UserfaultCopyModes mode, out long zeroed)
    {
        zeroed = 0;
        var check = CheckReady();
        if (!check.IsOk) return Fail(check, out zeroed);
        if ((mode & ~UserfaultCopyModes.DontWake) != 0 || !ValidRange(start, length)) return Fail(Errno.EINVAL, out zeroed);
        if (MmapChanging) return Fail(Errno.EAGAIN, out zeroed);
        long done = 0;
        Errno error = Errno.OK;
        while (done < length)
        {
            if (done > 0 && TaskContext.Current.FatalSignalPending) { error = Errno.EINTR; break; }
            error = Mm.FillUserfaultPte(start + (ulong)done, this, Page.Zero, writeProtect: false);
            if (!error.IsOk) break;
            done += Page.Size;
        }
        return Finish(start, done, length, error, mode, out zeroed);
    }

    private Errno Finish(ulong start, long done, long length, Errno error, UserfaultCopyModes mode, out long result)
    {
        if (done > 0 && (mode & UserfaultCopyModes.DontWake) == 0) WakeRange(start, start + (ulong)done);
        result = done > 0 ? done : error.Negative;
        if (done == length) return Errno.OK;
        return done > 0 ? Errno.EAGAIN : error;
    }

    private static Errno Fail(Errno error, out long result)
    {
        result = error.Negative;
        return error;
    }
}
