using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Userfaults;

// Write-protect mode: UFFDIO_WRITEPROTECT, and with WP_ASYNC a dirty-page tracker (written pages are
// recorded by clearing their uffd-wp bit in place; ScanWritten reports and optionally re-arms them).
public sealed partial class UserfaultContext
{
    bool IUserfaultHandler.WriteProtectAsync => (_features & UserfaultFeatures.WpAsync) != 0;

    /// <summary>UFFDIO_WRITEPROTECT on [start, start + length): protect (writes then block with a WP message,
    /// or with WP_ASYNC are recorded) or unprotect (and wake the range unless DontWake). EINVAL: before the
    /// handshake, bad range, unknown mode bits, WriteProtect with DontWake; ENOENT: part of the range is not
    /// registered in WP mode here; EAGAIN: a REMOVE/UNMAP event is unread; ESRCH: address space gone;
    /// EBADF: released.</summary>
    public Errno WriteProtect(ulong start, long length, WriteProtectModes mode)
    {
        var check = CheckReady();
        if (!check.IsOk) return check;
        if ((mode & ~(WriteProtectModes.WriteProtect | WriteProtectModes.DontWake)) != 0 ||
            mode == (WriteProtectModes.WriteProtect | WriteProtectModes.DontWake) || !ValidRange(start, length))
            return Errno.EINVAL;
        if (MmapChanging) return Errno.EAGAIN;
        bool protect = (mode & WriteProtectModes.WriteProtect) != 0;
        bool markers = (_features & (UserfaultFeatures.WpUnpopulated | UserfaultFeatures.WpAsync)) != 0;
        ulong end = start + (ulong)length;
        var r = Mm.WriteProtectUserfault(start, end, this, protect, markers);
        if (r.IsOk && !protect && (mode & WriteProtectModes.DontWake) == 0) WakeRange(start, end);
        return r;
    }

    /// <summary>The dirty-page tracker's scan (PAGEMAP_SCAN, PAGE_IS_WRITTEN): adds to <paramref name="written"/>
    /// the address of every page of [start, start + length) written since it was protected, re-protecting
    /// each when <paramref name="reprotect"/>. EINVAL: before the handshake, without WP_ASYNC, or a bad range;
    /// ESRCH: address space gone; EBADF: released.</summary>
    public Errno ScanWritten(ulong start, long length, bool reprotect, ICollection<ulong> written)
    {
        ArgumentNullException.ThrowIfNull(written);
        var check = CheckReady();
        if (!check.IsOk) return check;
        if ((_features & UserfaultFeatures.WpAsync) == 0 || !ValidRange(start, length)) return Errno.EINVAL;
        return Mm.ScanUserfaultWritten(start, start + (ulong)length, this, reprotect, written);
    }
}
