using System.Buffers;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.Iomap;

/// <summary>iomap_dio_bio_iter: moves one Mapped (or, for writes, Unwritten) extent between the device and
/// the iterator, one bio at a time.</summary>
internal static class DioBioIter
{
    [ThreadStatic]
    private static Page[]? t_scratch;

    /// <summary>Returns the bytes submitted for [pos, pos + len) — fewer when getting pages failed part way
    /// (the error then comes back from the next call) — or -errno when nothing was submitted: EINVAL for an
    /// extent not aligned to the block size, EFAULT when not one page could be had.</summary>
    public static long Run(DioState dio, long pos, long len, in IomapMapping map)
    {
        long blockMask = dio.Host.BlockSize - 1;
        if (((pos | len) & blockMask) != 0) return Errno.EINVAL.Negative;
        var iter = dio.Iter;
        long origCount = iter.Count;
        // Limit the iterator to this extent; reexpanded below to what is left of the caller's count.
        iter.Truncate(len);
        long device = map.DeviceOffset + (pos - map.Offset);
        bool pageless = !iter.IsUserBacked && iter.Kind != IterKind.Bvec;
        long copied = 0;
        long ret = 0;
        while (iter.Count > 0)
        {
            if (!dio.Error.IsOk)
            {
                // An earlier bio failed: the call fails anyway, stop submitting and give this extent's bytes back.
                iter.Revert(copied);
                copied = 0;
                break;
            }
            long n = pageless ? CopyBio(dio, device) : PageBio(dio, device);
            if (n < 0)
            {
                ret = n;
                break;
            }
            dio.Size += n;
            copied += n;
            device += n;
        }
        iter.Reexpand(origCount - copied);
        return copied > 0 ? copied : ret;
    }

    /// <summary>bio_iov_iter_get_pages + submit: fills a bio with pages until it is full, the iterator is
    /// empty or getting pages fails; trims it to whole blocks (giving the tail back to the iterator) and
    /// submits it. Returns the bio's bytes, or -errno when it got nothing (the error held back).</summary>
    private static long PageBio(DioState dio, long device)
    {
        var iter = dio.Iter;
        var scratch = t_scratch ??= new Page[DioBio.MaxPages + 1];
        var bio = new DioBio(dio, device);
        long error = 0;
        while (bio.Length < DioBio.MaxBytes && iter.Count > 0)
        {
            long got = iter.GetPages(scratch, DioBio.MaxBytes - bio.Length, scratch.Length, out int start);
            if (got <= 0)
            {
                error = got < 0 ? got : Errno.EFAULT.Negative;
                break;
            }
            int pages = (int)((start + got + Page.Size - 1) >> Page.Shift);
            bio.AddPages(scratch.AsSpan(0, pages), start, got);
        }
        Array.Clear(scratch);
        // Trim to whole blocks (upstream: logical blocks, its alignment unit) so the next round, and the retry
        // after a fault, start aligned.
        int trim = bio.Length & (dio.Host.BlockSize - 1);
        if (trim > 0)
        {
            iter.Revert(trim);
            bio.TrimTail(trim);
        }
        if (bio.IsEmpty)
        {
            bio.ReleasePages(iter);
            return error != 0 ? error : Errno.EFAULT.Negative;
        }
        int length = bio.Length;
        dio.AddBioRef();
        if (dio.WaitForCompletion) bio.Run();
        else ThreadPool.UnsafeQueueUserWorkItem(static b => b.Run(), bio, preferLocal: false);
        return length;
    }

    /// <summary>An iterator without pages (KVEC, DISCARD): copies through a bounce buffer and does the
    /// device I/O on this thread. Returns the bytes done or -EFAULT when nothing could be copied.</summary>
    private static long CopyBio(DioState dio, long device)
    {
        var iter = dio.Iter;
        int block = dio.Host.BlockSize;
        int n = (int)Math.Min(iter.Count, DioBio.MaxBytes) & ~(block - 1);
        if (n == 0) return Errno.EFAULT.Negative;
        if (iter.TryGetKvecRange(n, out var inPlace))
        {
            // Kernel memory in one piece (a FUSE request or reply buffer): the device I/O moves the bytes in place,
            // with the same results as the bounce path below, one copy fewer.
            Errno result = dio.IsWrite ? dio.Host.Device.Write(device, inPlace.Span) : dio.Host.Device.Read(device, inPlace.Span);
            if (!result.IsOk) dio.SetError(result);
            iter.Advance(n);
            return n;
        }
        byte[] bounce = ArrayPool<byte>.Shared.Rent(n);
        try
        {
            var span = bounce.AsSpan(0, n);
            if (dio.IsWrite)
            {
                int copied = (int)iter.CopyFrom(span);
                int trim = copied & (block - 1);
                iter.Revert(trim);
                copied -= trim;
                if (copied == 0) return Errno.EFAULT.Negative;
                dio.SetError(dio.Host.Device.Write(device, span[..copied]));
                return copied;
            }
            Errno err = dio.Host.Device.Read(device, span);
            if (!err.IsOk)
            {
                dio.SetError(err);
                iter.Advance(n);
                return n;
            }
            long done = iter.CopyTo(span);
            return done == 0 ? Errno.EFAULT.Negative : done;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bounce);
        }
    }
}
