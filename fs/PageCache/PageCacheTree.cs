using System.Collections.Concurrent;
using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.PageCache;

/// <summary>
/// An inode's page cache (struct address_space's i_pages): cached pages by index, filled through the inode's
/// <see cref="IIomapOps"/> (holes and unwritten extents read as zeroes, inline data copied), with the reverse
/// map (<see cref="Mapping"/>) that invalidation uses to unmap every PTE mapping a dropped page.
/// Validity is the caller's business: the inode only keeps pages while it holds its glock in a caching state.
/// </summary>
public sealed class PageCacheTree
{
    /// <summary>Pages read ahead after a missing page (a fixed window; the kernel's default is 128 KiB).</summary>
    public const int ReadaheadPages = 32;

    private readonly object _lock = new(); // leaf: serialises changes to _pages (lookups are lock-free)
    private readonly ConcurrentDictionary<long, CachedPage> _pages = new();
    // Pages in _pages, changed under _lock. ConcurrentDictionary.Count and .Values take every one of the
    // dictionary's internal locks (up to 1,024 for a large cache), too dear for the per-I/O range checks.
    private int _count;
    private readonly IIomapOps _iomap;
    private readonly IBlockDevice _device;

    public PageCacheTree(IIomapOps iomap, IBlockDevice device, IVmOperations vmOps)
    {
        _iomap = iomap;
        _device = device;
        Mapping = new VmMapping(vmOps);
    }

    /// <summary>The reverse map of every VMA mapping this file.</summary>
    public VmMapping Mapping { get; }

    /// <summary>Number of cached pages.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>filemap_get_folio without FGP_CREAT: the cached page or null (not locked).</summary>
    public CachedPage? Find(long index) => _pages.TryGetValue(index, out var cp) ? cp : null;

    /// <summary>The cached page at <paramref name="index"/>, created empty (not uptodate) if absent. Not locked.</summary>
    public CachedPage FindOrCreate(long index)
    {
        lock (_lock)
        {
            if (!_pages.TryGetValue(index, out var cp))
            {
                cp = new CachedPage(index, NewPage());
                _pages[index] = cp;
                Volatile.Write(ref _count, _count + 1);
            }
            return cp;
        }
    }

    /// <summary>
    /// A zeroed frame on the pinned object heap. Cached pages live long and come by the hundred thousand (a 1 GiB
    /// file is 262,144 of them); on the ordinary heap every gen0 and gen1 collection copies the young ones, which
    /// made a first write through a fresh page cache several times dearer than an overwrite. Pinned ones are never moved.
    /// </summary>
    private static Page NewPage() => new(GC.AllocateArray<byte>(Page.Size, pinned: true));

    /// <summary>Returns the page at <paramref name="index"/> uptodate, reading it (and up to
    /// <paramref name="readahead"/> - 1 following missing pages, below <paramref name="endIndex"/>) through the
    /// iomap. Errors: the iomap's or the device's.</summary>
    public Errno GetUptodate(long index, int readahead, long endIndex, out CachedPage? page)
    {
        page = null;
        while (true)
        {
            var cp = FindOrCreate(index);
            if (!cp.Uptodate)
            {
                var e = ReadRun(index, Math.Max(1, (int)Math.Min(readahead, endIndex - index)));
                if (!e.IsOk) return e;
            }
            if (cp.InCache && cp.Uptodate) { page = cp; return Errno.OK; }
            // Invalidated between creation and fill: look it up again.
        }
    }

    /// <summary>Fills the not-uptodate pages of [index, index + count) (creating them), one iomap walk per run.
    /// Pages already uptodate (possibly dirty) are left alone.</summary>
    public Errno ReadRun(long index, int count)
    {
        var locked = new List<CachedPage>(count);
        try
        {
            for (long i = index; i < index + count; i++)
            {
                var cp = FindOrCreate(i);
                cp.Lock();
                locked.Add(cp);
            }
            int k = 0;
            while (k < locked.Count)
            {
                if (locked[k].Uptodate || !locked[k].InCache) { k++; continue; }
                int j = k;
                while (j < locked.Count && !locked[j].Uptodate && locked[j].InCache && locked[j].Index == locked[k].Index + (j - k)) j++;
                var e = FillLocked(locked, k, j - k);
                if (!e.IsOk) return e;
                k = j;
            }
            return Errno.OK;
        }
        finally
        {
            foreach (var cp in locked) cp.Unlock();
        }
    }

    /// <summary>Reads pages[first .. first + n) (consecutive indexes, locked by the caller) through the iomap.</summary>
    private Errno FillLocked(List<CachedPage> pages, int first, int n)
    {
        long pos = pages[first].Index * Page.Size;
        long end = pos + (long)n * Page.Size;
        while (pos < end)
        {
            var e = _iomap.Begin(pos, end - pos, IomapIterFlags.None, out var m);
            if (!e.IsOk) return e;
            long mapEnd = Math.Min(end, m.Offset + m.Length);
            if (mapEnd <= pos) return Errno.EIO; // a mapping that does not cover pos is a filesystem bug
            for (long p = pos; p < mapEnd;)
            {
                var cp = pages[first + (int)((p - pages[first].Index * Page.Size) / Page.Size)];
                int off = (int)(p & (Page.Size - 1));
                int len = (int)Math.Min(Page.Size - off, mapEnd - p);
                var dst = cp.Page.Span.Slice(off, len);
                e = ReadExtent(m, p, dst);
                if (!e.IsOk) return e;
                p += len;
            }
            e = _iomap.End(pos, end - pos, mapEnd - pos, IomapIterFlags.None, m);
            if (!e.IsOk) return e;
            pos = mapEnd;
        }
        for (int k = first; k < first + n; k++) pages[k].Uptodate = true;
        return Errno.OK;
    }

    private Errno ReadExtent(in IomapMapping m, long pos, Span<byte> dst)
    {
        switch (m.Type)
        {
            case IomapType.Mapped:
                return _device.Read(m.DeviceOffset + (pos - m.Offset), dst);
            case IomapType.Inline:
            {
                long at = pos - m.Offset;
                var src = m.InlineData.Span;
                int have = (int)Math.Clamp(src.Length - at, 0, dst.Length);
                if (have > 0) src.Slice((int)at, have).CopyTo(dst);
                dst[have..].Clear();
                return Errno.OK;
            }
            default: // hole, unwritten, delalloc: zeroes
                dst.Clear();
                return Errno.OK;
        }
    }

    /// <summary>The dirty pages with index in [from, to), ascending (a snapshot; not locked).</summary>
    public List<CachedPage> DirtyPages(long from, long to)
    {
        var list = new List<CachedPage>();
        lock (_lock) CollectLocked(from, to, dirtyOnly: true, list);
        return list;
    }

    /// <summary>Ranges up to this many pages are looked up index by index even in a smaller cache.</summary>
    private const int LookupRangePages = 4096;

    /// <summary>
    /// Adds the pages with index in [from, to) (only dirty ones if asked), ascending. A range narrower than the cache
    /// (or than <see cref="LookupRangePages"/>) is looked up index by index (what the kernel's xarray range walk
    /// costs), so a 4 KiB direct read next to a large cached file (an EX glock grants DF holders) does not scan
    /// every cached page; a wider one scans.
    /// </summary>
    private void CollectLocked(long from, long to, bool dirtyOnly, List<CachedPage> list)
    {
        if (to <= from || _count == 0) return;
        // The enumeration walks every bucket, and a ConcurrentDictionary never shrinks: once it held a large file,
        // even a nearly empty cache is slow to scan. So up to LookupRangePages the range is looked up whatever
        // the count (at most a few thousand hash lookups; O_DIRECT ranges are at most 256 pages).
        if ((ulong)(to - from) <= (ulong)Math.Max(_count, LookupRangePages))
        {
            for (long i = from; i < to; i++)
                if (_pages.TryGetValue(i, out var cp) && (!dirtyOnly || cp.Page.Dirty)) list.Add(cp);
            return;
        }
        foreach (var (_, cp) in _pages) // lock-free enumeration; _lock keeps it a snapshot
            if (cp.Index >= from && cp.Index < to && (!dirtyOnly || cp.Page.Dirty)) list.Add(cp);
        list.Sort(static (a, b) => a.Index.CompareTo(b.Index));
    }

    /// <summary>True when some page is dirty.</summary>
    public bool HasDirtyPages()
    {
        lock (_lock)
        {
            foreach (var (_, cp) in _pages)
                if (cp.Page.Dirty) return true;
        }
        return false;
    }

    /// <summary>truncate_inode_pages_range for whole pages [from, to): unmaps them from every mapping first, then
    /// drops them (dirty data is discarded: the caller wrote it back if it mattered). Returns pages dropped.</summary>
    public int Drop(long from, long to)
    {
        if (to <= from) return 0;
        Mapping.UnmapRange(from, to - from);
        List<CachedPage> victims = new();
        lock (_lock) CollectLocked(from, to, dirtyOnly: false, victims);
        foreach (var cp in victims)
        {
            cp.Lock();
            try
            {
                lock (_lock)
                {
                    if (_pages.TryGetValue(cp.Index, out var cur) && ReferenceEquals(cur, cp) && _pages.TryRemove(cp.Index, out _))
                        Volatile.Write(ref _count, _count - 1);
                }
                cp.InCache = false;
                cp.Uptodate = false;
                cp.Page.Dirty = false;
            }
            finally
            {
                cp.Unlock();
            }
        }
        // A fault that raced with the removal may have mapped a dropped page: unmap once more.
        Mapping.UnmapRange(from, to - from);
        return victims.Count;
    }

    /// <summary>Zeroes bytes [offset, offset + length) of a cached page, if present (partial-page truncate/punch);
    /// the page becomes dirty so the zeroes reach the disk.</summary>
    public void ZeroCached(long index, int offset, int length)
    {
        var cp = Find(index);
        if (cp is null) return;
        cp.Lock();
        try
        {
            if (!cp.InCache || !cp.Uptodate) return;
            cp.Page.Span.Slice(offset, length).Clear();
            cp.Page.Dirty = true;
        }
        finally
        {
            cp.Unlock();
        }
    }
}
