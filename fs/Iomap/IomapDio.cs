using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.Iomap;

/// <summary>
/// The iomap direct-I/O engine (fs/iomap/direct-io.c): walks the file's mappings through
/// <see cref="IDioHost.Iomap"/>, zeroes holes, copies inline data, and moves mapped extents between the
/// device and the iterator's pages (got with <see cref="IovIter.GetPages"/>, which honours
/// <see cref="IovIter.NoFault"/>) in bios of at most 1 MiB.
/// </summary>
/// <remarks>Iterators without pages (KVEC, DISCARD) are copied through a bounce buffer instead: the model
/// has no way to hand out process memory as pages. Their reads are done on the submitting thread.</remarks>
public static class IomapDio
{
    /// <summary>
    /// iomap_dio_rw: direct I/O of the iterator's bytes at <see cref="Kiocb.Position"/>; a Source iterator
    /// writes, a Dest iterator reads. Results:
    /// <list type="bullet">
    /// <item>0 when the iterator is empty or a read starts at/after i_size (not <paramref name="doneBefore"/>).</item>
    /// <item>On success the bytes this call transferred (reads clamped to i_size) plus
    /// <paramref name="doneBefore"/>; <see cref="Kiocb.Position"/> advances by this call's bytes only.</item>
    /// <item>-EFAULT when a page could not be had: with <see cref="DioFlags.Partial"/> and some bytes done,
    /// those bytes succeed instead; without it the iterator is reverted by everything transferred.</item>
    /// <item>ENOTBLK (invalidation failed, or the filesystem's Begin asked for it): a success for the bytes
    /// done so far (0 when invalidation failed, before any I/O); the caller finishes with buffered I/O.</item>
    /// <item>-EINVAL for a mapped extent not aligned to <see cref="IDioHost.BlockSize"/>, -EIO for delalloc,
    /// -EAGAIN for OverwriteOnly refusals, device and filesystem errors as they come. On error
    /// <paramref name="doneBefore"/> is not added.</item>
    /// <item>-EIOCBQUEUED for an asynchronous kiocb (without <see cref="DioFlags.ForceWait"/>) whose bios are
    /// still in flight: <see cref="Kiocb.Complete"/> is then called exactly once, from a worker, with the
    /// final value. A fault that stops submission with Partial completes synchronously instead.</item>
    /// </list>
    /// Side effects: reads flush dirty cached pages of the range first; writes invalidate them;
    /// <see cref="IDioHost.EndIo"/> runs once; O_DSYNC/O_SYNC writes flush the device.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="doneBefore"/> is negative.</exception>
    public static long Rw(Kiocb iocb, IovIter iter, IDioHost host, DioFlags flags, long doneBefore)
    {
        ArgumentNullException.ThrowIfNull(iocb);
        ArgumentNullException.ThrowIfNull(iter);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentOutOfRangeException.ThrowIfNegative(doneBefore);

        long count = iter.Count;
        if (count == 0) return 0;
        bool write = iter.Direction == IterDirection.Source;
        bool nowait = (iocb.Flags & KiocbFlags.NoWait) != 0;
        long start = iocb.Position;
        var iterFlags = IomapIterFlags.Direct;
        if (nowait) iterFlags |= IomapIterFlags.NoWait;

        if (!write)
        {
            if (start >= host.Size) return 0;
            Errno flushed = host.WriteAndWait(start, count);
            if (!flushed.IsOk) return flushed.Negative;
        }
        else
        {
            iterFlags |= IomapIterFlags.Write;
            if ((flags & DioFlags.OverwriteOnly) != 0)
            {
                long size = host.Size;
                if (start >= size || start + count > size) return Errno.EAGAIN.Negative;
                iterFlags |= IomapIterFlags.OverwriteOnly;
            }
            Errno invalidated = host.InvalidatePages(start, count);
            if (invalidated == Errno.EAGAIN) return Errno.EAGAIN.Negative;
            if (!invalidated.IsOk) return Errno.ENOTBLK.Negative;
        }

        bool async = !iocb.IsSync && (flags & DioFlags.ForceWait) == 0;
        // Every path from here ends in exactly one DioState.Complete, which calls DioEnd.
        host.DioBegin();
        var dio = new DioState(iocb, iter, host, write, doneBefore, async);
        long pos = start;
        long ret = IterateMappings(dio, ref pos, count, iterFlags);

        bool reverted = false;
        if (ret == Errno.EFAULT.Negative)
        {
            if (dio.Size > 0 && (flags & DioFlags.Partial) != 0)
            {
                // The caller faults the rest in and retries: it needs this call's bytes now.
                if (!nowait) dio.WaitForCompletion = true;
                ret = 0;
            }
            else
            {
                // Fail the whole request but leave the iterator where it started, so a retry redoes it all.
                dio.WaitForCompletion = true;
                iter.Revert(dio.Size);
                reverted = true;
            }
        }
        if (ret == Errno.ENOTBLK.Negative)
        {
            dio.WaitForCompletion = true;
            ret = 0;
        }
        if (ret < 0) dio.SetError(Errno.FromResult(ret));
        // Only bytes up to EOF are reported: give back what the iterator consumed past it.
        if (!write && !reverted && pos > dio.ISize) iter.Revert(pos - dio.ISize);

        if (!dio.DropSubmitterRef())
        {
            if (!dio.WaitForCompletion) return Errno.EIOCBQUEUED.Negative;
            dio.WaitForBios();
        }
        return dio.Complete();
    }

    /// <summary>The iomap_iter loop: Begin, one mapping's worth of work, End, until the range is done, a
    /// round makes no progress, or an error. <paramref name="pos"/> ends after the last processed byte.
    /// Returns 0 or -errno.</summary>
    private static long IterateMappings(DioState dio, ref long pos, long count, IomapIterFlags iterFlags)
    {
        var ops = dio.Host.Iomap;
        long remaining = count;
        while (remaining > 0)
        {
            Errno err = ops.Begin(pos, remaining, iterFlags, out var map);
            if (!err.IsOk) return err.Negative;
            if (map.Offset > pos || map.Offset + map.Length <= pos)
                throw new InvalidOperationException(
                    $"IIomapOps.Begin({pos}, {remaining}) returned [{map.Offset}, +{map.Length}) which does not cover {pos}");
            long len = Math.Min(map.Offset + map.Length - pos, remaining);
            long processed = IterOne(dio, pos, len, in map);
            Errno ended = ops.End(pos, len, Math.Max(processed, 0), iterFlags, in map);
            if (processed < 0) return processed;
            if (!ended.IsOk) return ended.Negative;
            if (processed == 0)
            {
                // A stale mapping (racing truncate) is remapped; any other round without progress ends the walk.
                if ((map.Flags & IomapFlags.Stale) != 0) continue;
                return 0;
            }
            pos += processed;
            remaining -= processed;
        }
        return 0;
    }

    /// <summary>iomap_dio_iter: one mapping. Returns bytes processed or -errno.</summary>
    private static long IterOne(DioState dio, long pos, long len, in IomapMapping map)
    {
        switch (map.Type)
        {
            case IomapType.Hole when !dio.IsWrite:
            case IomapType.Unwritten when !dio.IsWrite:
                return ZeroIter(dio, len);
            case IomapType.Unwritten:
            case IomapType.Mapped:
                return DioBioIter.Run(dio, pos, len, in map);
            case IomapType.Inline:
                return InlineIter(dio, pos, len, in map);
            case IomapType.Delalloc:
                // "Direct I/O collision with buffered writes": the filesystem reserved blocks it has not allocated.
                return Errno.EIO.Negative;
            default:
                // A hole handed to a write (Begin must allocate for IomapIterFlags.Write): upstream WARNs and fails.
                return Errno.EIO.Negative;
        }
    }

    /// <summary>iomap_dio_hole_iter: a read of a hole or an unwritten extent sees zeroes.</summary>
    private static long ZeroIter(DioState dio, long len)
    {
        long zeroed = dio.Iter.Zero(len);
        dio.Size += zeroed;
        return zeroed == 0 ? Errno.EFAULT.Negative : zeroed;
    }

    /// <summary>iomap_dio_inline_iter: copies to or from the inline data (End commits a write).</summary>
    private static long InlineIter(DioState dio, long pos, long len, in IomapMapping map)
    {
        long at = pos - map.Offset;
        if (at > map.InlineData.Length)
            throw new InvalidOperationException($"inline mapping at {map.Offset} holds {map.InlineData.Length} bytes, asked for offset {at}");
        var data = map.InlineData.Span[(int)at..];
        if (data.Length > len) data = data[..(int)len];
        long copied = dio.IsWrite ? dio.Iter.CopyFrom(data) : dio.Iter.CopyTo(data);
        dio.Size += copied;
        return copied == 0 ? Errno.EFAULT.Negative : copied;
    }
}
