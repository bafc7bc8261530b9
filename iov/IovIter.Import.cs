using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov;

// import_iovec / import_ubuf: building an iterator from system-call arguments, with errno results.
public sealed partial class IovIter
{
    /// <summary>MAX_RW_COUNT: the most one read or write moves (INT_MAX rounded down to a page).</summary>
    public const long MaxRwCount = int.MaxValue & ~(Page.Size - 1);

    /// <summary>UIO_MAXIOV: the most segments one readv/writev may pass.</summary>
    public const int UioMaxIov = 1024;

    /// <summary>
    /// import_iovec: checks the segments of a readv/writev and builds an iterator. Zero segments give an
    /// empty IOVEC iterator and 0; one segment gives a UBUF (see <see cref="ImportUbuf"/>); more than
    /// <see cref="UioMaxIov"/> give -EINVAL; a negative length (a size_t above SSIZE_MAX) -EINVAL; a
    /// segment outside user addresses -EFAULT. The total is silently clamped to
    /// <see cref="MaxRwCount"/> by trimming segment lengths. Returns the total bytes or -errno
    /// (<paramref name="iter"/> is then null).
    /// </summary>
    public static long ImportIovec(IterDirection direction, AddressSpace mm, ReadOnlySpan<Iovec> vector, out IovIter? iter)
    {
        ArgumentNullException.ThrowIfNull(mm);
        CheckDirection(direction);
        iter = null;
        if (vector.Length == 1)
        {
            long res = ImportUbuf(direction, mm, vector[0].Base, vector[0].Length, out iter);
            return res < 0 ? res : iter!.Count;
        }
        if (vector.Length > UioMaxIov) return Errno.EINVAL.Negative;
        // Lengths are all checked before any address, as copy_iovec_from_user does.
        foreach (var seg in vector)
            if (seg.Length < 0) return Errno.EINVAL.Negative;
        var segs = new Iovec[vector.Length];
        long total = 0;
        for (int k = 0; k < vector.Length; k++)
        {
            long len = vector[k].Length;
            if (!AccessOk(vector[k].Base, len)) return Errno.EFAULT.Negative;
            if (len > MaxRwCount - total) len = MaxRwCount - total;
            segs[k] = new Iovec(vector[k].Base, len);
            total += len;
        }
        iter = new IovIter(IterKind.Iovec, direction, mm, 0, segs, null, null, segs.Length, total);
        return total;
    }

    /// <summary>
    /// import_ubuf: a UBUF iterator over <paramref name="length"/> bytes at <paramref name="addr"/>, the
    /// length clamped to <see cref="MaxRwCount"/>. Returns 0, -EINVAL for a negative length, or -EFAULT
    /// when the range is not in user addresses (<paramref name="iter"/> is then null).
    /// </summary>
    public static long ImportUbuf(IterDirection direction, AddressSpace mm, ulong addr, long length, out IovIter? iter)
    {
        ArgumentNullException.ThrowIfNull(mm);
        CheckDirection(direction);
        iter = null;
        if (length < 0) return Errno.EINVAL.Negative;
        if (length > MaxRwCount) length = MaxRwCount;
        if (!AccessOk(addr, length)) return Errno.EFAULT.Negative;
        iter = new IovIter(IterKind.Ubuf, direction, mm, addr, null, null, null, 1, length);
        return 0;
    }

    // Lengths are checked non-negative before this is called.
    private static bool AccessOk(ulong addr, long length) => AddressSpace.AccessOk(addr, (ulong)length);
}
