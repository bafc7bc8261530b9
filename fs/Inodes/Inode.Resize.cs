using ClusterFs.Fs.Format;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.Inodes;

// truncate, punch hole and preallocation, called with the inode glock held EX.
public sealed partial class Inode
{
    /// <summary>
    /// truncate_setsize + the on-disk truncate: writes back, then on a shrink unmaps and drops the cached pages past
    /// the new end and zeroes the tail of the new last page; on a growth zeroes the cached tail of the old last page.
    /// The dinode follows at once (blocks freed, tail block zeroed). EFBIG past the maximum file size.
    /// </summary>
    public Errno TruncateLocked(long newSize)
    {
        if (newSize < 0) return Errno.EINVAL;
        if (newSize > Volume.MaxFileSize) return Errno.EFBIG;
        var e = WritebackRange(0, long.MaxValue);
        if (!e.IsOk) return e;
        long old = Size;
        if (newSize < old)
        {
            SetSizeLocked(newSize);
            long keep = (newSize + Page.Size - 1) / Page.Size;
            Cache.Drop(keep, long.MaxValue);
            int tail = (int)(newSize & (Page.Size - 1));
            if (tail != 0) ZeroCachedNoDirty(newSize / Page.Size, tail, Page.Size - tail);
        }
        else if (newSize > old)
        {
            int tail = (int)(old & (Page.Size - 1));
            if (tail != 0) ZeroCachedNoDirty(old / Page.Size, tail, Page.Size - tail);
            SetSizeLocked(newSize);
        }
        using (var meta = Node.LockMeta(out e))
        {
            if (!e.IsOk) return e;
            e = Node.Volume.SetAttr(Ino, new SetAttrRequest { Size = newSize });
        }
        if (e.IsOk) Interlocked.Exchange(ref _diskSize, newSize);
        return e;
    }

    /// <summary>Zeroes part of a cached page without dirtying it: the disk already has (or gets) zeroes there.</summary>
    private void ZeroCachedNoDirty(long index, int offset, int length)
    {
        var cp = Cache.Find(index);
        if (cp is null) return;
        cp.Lock();
        try { cp.Page.Span.Slice(offset, length).Clear(); }
        finally { cp.Unlock(); }
    }

    /// <summary>
    /// FALLOC_FL_PUNCH_HOLE|KEEP_SIZE: zeroes the partial pages at the edges in the cache (reading them first), drops
    /// and unmaps the whole pages inside, writes everything back, then frees the whole blocks of the range. The size
    /// does not change.
    /// </summary>
    public Errno PunchLocked(long offset, long length)
    {
        if (offset < 0 || length <= 0) return Errno.EINVAL;
        long size = Size;
        long end = Math.Min(offset + length, size);
        if (offset >= end) return Errno.OK;
        long endIndex = (size + Page.Size - 1) / Page.Size;
        long firstFull = (offset + Page.Size - 1) / Page.Size, lastFull = end / Page.Size;
        Errno e;
        foreach (long idx in new[] { offset / Page.Size, (end - 1) / Page.Size })
        {
            long ps = idx * Page.Size;
            long zs = Math.Max(offset, ps), ze = Math.Min(end, ps + Page.Size);
            if (ze - zs == Page.Size) continue;
            e = Cache.GetUptodate(idx, 1, endIndex, out _);
            if (!e.IsOk) return e;
            Cache.ZeroCached(idx, (int)(zs - ps), (int)(ze - zs));
        }
        if (lastFull > firstFull) Cache.Drop(firstFull, lastFull);
        e = WritebackRange(0, long.MaxValue);
        if (!e.IsOk) return e;
        int bs = BlockSize;
        long fb = (offset + bs - 1) / bs, lb = end == size ? (end + bs - 1) / bs : end / bs;
        if (lb <= fb) return Errno.OK;
        using var meta = Node.LockMeta(out e);
        if (!e.IsOk) return e;
        return Node.Volume.Punch(Ino, fb, lb - fb);
    }

    /// <summary>fallocate mode 0 / KEEP_SIZE: allocates the holes of the range as unwritten blocks (reading as
    /// zeroes); without <paramref name="keepSize"/> extends the size to the range's end.</summary>
    public Errno AllocateLocked(long offset, long length, bool keepSize)
    {
        if (offset < 0 || length <= 0) return Errno.EINVAL;
        if (offset + length > Volume.MaxFileSize) return Errno.EFBIG;
        var e = WritebackRange(0, long.MaxValue); // a stuffed file may be unstuffed below: its cached bytes go first
        if (!e.IsOk) return e;
        int bs = BlockSize;
        long fb = offset / bs, lb = (offset + length + bs - 1) / bs;
        using (var meta = Node.LockMeta(out e))
        {
            if (!e.IsOk) return e;
            e = Node.Volume.AllocateRange(Ino, fb, lb - fb, unwritten: true);
        }
        if (!e.IsOk) return e;
        if (!keepSize && offset + length > Size) return TruncateLocked(offset + length);
        return Errno.OK;
    }

    /// <summary>Forgets the cached content of an inode about to be freed (last unlink): nothing is written back.</summary>
    public void DiscardLocked()
    {
        Cache.Drop(0, long.MaxValue);
        SetSizeLocked(0);
        Interlocked.Exchange(ref _diskSize, 0);
    }
}
