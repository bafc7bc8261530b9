using System.Buffers;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.PageCache;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.Inodes;

// Write-back (writepages) ordered with the journal: data goes to its (already allocated) blocks first, then the
// metadata transactions that depend on it commit (unwritten -> written, size, mtime). Never allocates and never
// takes a glock, because it runs inside the glock's Sync on the glock worker.
public sealed partial class Inode
{
    private readonly object _writebackLock = new(); // one write-back per inode at a time; taken before page locks

    /// <summary>Writes back the dirty pages with index in [from, to) and, when it changed, the size. Returns OK or
    /// the first error (pages that failed stay dirty).</summary>
    public Errno WritebackRange(long from, long to)
    {
        lock (_writebackLock)
        {
            var dirty = Cache.DirtyPages(from, to);
            long size = Size;
            if (dirty.Count == 0 && size == Interlocked.Read(ref _diskSize)) return Errno.OK;
            var vol = Node.Volume;
            var e = vol.GetAttr(Ino, out var attr);
            if (!e.IsOk) return e;
            if (attr!.Height == 0 && size <= vol.StuffedCapacity)
                e = WritebackStuffed(dirty, size);
            else
                e = WritebackBlocks(dirty, size);
            if (!e.IsOk) return e;
            if (size != attr.Size || dirty.Count > 0)
            {
                var req = new SetAttrRequest { Size = size != attr.Size ? size : null, Mtime = dirty.Count > 0 ? Timestamp.Now : null };
                e = vol.SetAttr(Ino, req);
                if (!e.IsOk) return e;
            }
            Interlocked.Exchange(ref _diskSize, size);
            return Errno.OK;
        }
    }

    private Errno WritebackStuffed(List<CachedPage> dirty, long size)
    {
        if (dirty.Count == 0 || dirty[0].Index != 0) { ClearBeyond(dirty, 0); return Errno.OK; }
        var cp = dirty[0];
        var buf = new byte[size];
        cp.Lock();
        try
        {
            if (!cp.InCache || !cp.Dirty) return Errno.OK;
            CleanForIo(cp);
            cp.Page.Span.Slice(0, (int)size).CopyTo(buf);
        }
        finally
        {
            cp.Unlock();
        }
        long n = Node.Volume.WriteData(Ino, 0, buf);
        if (n < 0) { cp.Page.Dirty = true; return Errno.FromResult(n); }
        ClearBeyond(dirty, 1);
        return Errno.OK;
    }

    /// <summary>folio_clear_dirty_for_io: clears the dirty bit and (page_mkclean) takes the page out of every mapping
    /// first, so a later write through a mapping faults into PageMkwrite and dirties the page again instead of
    /// changing a page the cache believes clean. Called with the page locked.</summary>
    private void CleanForIo(CachedPage cp)
    {
        if (Cache.Mapping.MapCount > 0) Cache.Mapping.UnmapRange(cp.Index, 1);
        cp.Page.Dirty = false;
    }

    private static void ClearBeyond(List<CachedPage> dirty, int first)
    {
        for (int i = first; i < dirty.Count; i++) dirty[i].Page.Dirty = false; // beyond a stuffed file's end: nothing to write
    }

    /// <summary>Largest run of contiguous device bytes written back with one device write.</summary>
    private const int WritebackBatchBytes = 1 << 20;

    /// <summary>
    /// Writes back <paramref name="dirty"/> (ascending), then marks the unwritten blocks it wrote as written. Pages
    /// whose blocks are contiguous on the device are gathered into one device write of up to
    /// <see cref="WritebackBatchBytes"/>, and one block mapping serves every page it covers (write-back never
    /// allocates, so the mapping stays valid for the whole call); a page its mapping does not cover whole (blocks
    /// smaller than a page) goes through <see cref="WritePage"/>. A failed write leaves its pages dirty.
    /// </summary>
    private Errno WritebackBlocks(List<CachedPage> dirty, long size)
    {
        int bs = BlockSize;
        var unwritten = new List<(long First, long Count)>();
        var staging = ArrayPool<byte>.Shared.Rent(WritebackBatchBytes);
        var staged = new List<CachedPage>();
        long stagedDevice = 0;
        int stagedBytes = 0;
        IomapMapping m = default;
        bool haveMap = false;
        try
        {
            foreach (var cp in dirty)
            {
                long pos = cp.Index * Page.Size;
                cp.Lock();
                try
                {
                    if (!cp.InCache || !cp.Dirty) continue;
                    CleanForIo(cp);
                    if (pos >= size) continue; // wholly past EOF (truncated meanwhile): nothing to write
                    int len = (int)Math.Min(Page.Size, size - pos);
                    if (len < Page.Size) cp.Page.Span.Slice(len).Clear(); // the EOF page is written with a zeroed tail
                    len = (len + bs - 1) / bs * bs;
                    if (!haveMap || pos < m.Offset || pos >= m.Offset + m.Length)
                    {
                        // Map up to the end of the file (Begin caps it), not just this page: later pages reuse it.
                        var be = Begin(pos, Math.Max(len, size - pos), IomapIterFlags.None, out m);
                        if (!be.IsOk) { cp.Page.Dirty = true; return Fail(be); }
                        haveMap = true;
                    }
                    Errno e;
                    if (pos + len <= m.Offset + m.Length && m.Type is IomapType.Mapped or IomapType.Unwritten)
                    {
                        long device = m.DeviceOffset + (pos - m.Offset);
                        if (stagedBytes > 0 && (stagedDevice + stagedBytes != device || stagedBytes + len > WritebackBatchBytes))
                        {
                            e = FlushStaged();
                            if (!e.IsOk) { cp.Page.Dirty = true; return Fail(e); }
                        }
                        if (stagedBytes == 0) stagedDevice = device;
                        cp.Page.Span.Slice(0, len).CopyTo(staging.AsSpan(stagedBytes));
                        stagedBytes += len;
                        staged.Add(cp);
                        if (m.Type == IomapType.Unwritten) AddRun(unwritten, pos / bs, len / bs);
                        continue;
                    }
                    e = FlushStaged();
                    if (e.IsOk) e = WritePage(cp.Page.Span.Slice(0, len), pos, unwritten);
                    if (!e.IsOk) { cp.Page.Dirty = true; return Fail(e); }
                }
                finally
                {
                    cp.Unlock();
                }
            }
            var fe = FlushStaged();
            if (!fe.IsOk) return Fail(fe);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(staging);
        }
        foreach (var (first, count) in unwritten)
        {
            var e = Node.Volume.MarkWritten(Ino, first, count);
            if (!e.IsOk) return e;
        }
        return Errno.OK;

        Errno FlushStaged()
        {
            if (stagedBytes == 0) return Errno.OK;
            var e = Device.Write(stagedDevice, staging.AsSpan(0, stagedBytes));
            if (!e.IsOk) return e;
            staged.Clear();
            stagedBytes = 0;
            return Errno.OK;
        }

        // Pages gathered but not written stay dirty, like a page whose own write failed.
        Errno Fail(Errno e)
        {
            foreach (var s in staged) s.Page.Dirty = true;
            return e;
        }
    }

    private Errno WritePage(ReadOnlySpan<byte> data, long pos, List<(long First, long Count)> unwritten)
    {
        int bs = BlockSize;
        for (int done = 0; done < data.Length;)
        {
            long p = pos + done;
            var e = Begin(p, data.Length - done, IomapIterFlags.None, out var m);
            if (!e.IsOk) return e;
            int n = (int)Math.Min(data.Length - done, m.Offset + m.Length - p);
            var chunk = data.Slice(done, n);
            switch (m.Type)
            {
                case IomapType.Mapped:
                case IomapType.Unwritten:
                    e = Device.Write(m.DeviceOffset + (p - m.Offset), chunk);
                    if (!e.IsOk) return e;
                    if (m.Type == IomapType.Unwritten) AddRun(unwritten, p / bs, (n + bs - 1) / bs);
                    break;
                default:
                    // Writers allocate before dirtying, so only zeroes (a partial-page truncate or punch over a
                    // hole) can be dirty over a hole: nothing to write.
                    if (chunk.IndexOfAnyExcept((byte)0) >= 0)
                        return Errno.EIO;
                    break;
            }
            done += n;
        }
        return Errno.OK;
    }

    private static void AddRun(List<(long First, long Count)> runs, long first, long count)
    {
        if (runs.Count > 0 && runs[^1].First + runs[^1].Count == first)
            runs[^1] = (runs[^1].First, runs[^1].Count + count);
        else
            runs.Add((first, count));
    }
}
