using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.PageCache;

/// <summary>
/// One page of an inode's page cache (a single-page folio): the iov <see cref="Iov.Mm.Page"/> that shared
/// mappings map directly, its index in the file, the uptodate bit and a page lock. The dirty bit is the
/// page's own <see cref="Iov.Mm.Page.Dirty"/>, which a write through a shared mapping also sets.
/// </summary>
public sealed class CachedPage
{
    // The page lock (folio_lock): held while filling the page from disk, while a buffered write copies into
    // it, and while writeback reads it. Lock order: page locks in ascending index -> PageCacheTree._lock.
    private readonly object _pageLock = new();
    private volatile bool _uptodate;

    internal CachedPage(long index, Page page)
    {
        Index = index;
        Page = page;
    }

    /// <summary>The page index in the file (byte offset / 4096).</summary>
    public long Index { get; }

    /// <summary>The frame holding the page's bytes; shared mappings map this very object.</summary>
    public Page Page { get; }

    /// <summary>The page holds the file's current data (read from disk or fully written).</summary>
    public bool Uptodate
    {
        get => _uptodate;
        internal set => _uptodate = value;
    }

    /// <summary>Written in the cache and not yet written back.</summary>
    public bool Dirty => Page.Dirty;

    /// <summary>False once the page was removed from the cache (truncate/invalidate): a holder of a stale
    /// reference must look it up again.</summary>
    public bool InCache { get; internal set; } = true;

    /// <summary>folio_lock: blocks until the page lock is held (re-entrant on the same thread).</summary>
    public void Lock() => Monitor.Enter(_pageLock);

    /// <summary>folio_unlock.</summary>
    public void Unlock() => Monitor.Exit(_pageLock);
}
