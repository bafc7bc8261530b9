using ClusterFs.Fs.Inodes;
using ClusterFs.Fs.PageCache;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.Files;

/// <summary>generic_file_read_iter / filemap_read for buffered reads (mm/filemap.c).</summary>
public static class FilemapRead
{
    /// <summary>
    /// Copies file data from <see cref="Kiocb.Position"/> into <paramref name="to"/> page by page, reading missing
    /// pages (with readahead) through the page cache. With <see cref="KiocbFlags.NoIo"/> or NoWait only cached,
    /// uptodate pages are served and a missing one ends the read with EAGAIN. A short copy (a user page that cannot
    /// be written, e.g. faults disabled) keeps the partial count and then stops with EFAULT. Returns the bytes read
    /// (ki_pos advanced by them) if any, else 0 at EOF or -errno.
    /// </summary>
    public static long Read(Inode inode, Kiocb iocb, IovIter to)
    {
        if (to.Count == 0) return 0;
        long pos = iocb.Position;
        long already = 0;
        Errno error = Errno.OK;
        bool noIo = (iocb.Flags & (KiocbFlags.NoIo | KiocbFlags.NoWait)) != 0;
        while (to.Count > 0)
        {
            long size = inode.Size;
            if (pos >= size) break;
            long index = pos / Page.Size;
            var cp = inode.Cache.Find(index);
            if (cp is null || !cp.Uptodate)
            {
                if (noIo) { error = Errno.EAGAIN; break; }
                long endIndex = (size + Page.Size - 1) / Page.Size;
                var e = inode.Cache.GetUptodate(index, PageCacheTree.ReadaheadPages, endIndex, out cp);
                if (!e.IsOk) { error = e; break; }
            }
            int off = (int)(pos & (Page.Size - 1));
            int n = (int)Math.Min(Math.Min(Page.Size - off, size - pos), to.Count);
            long copied = to.CopyPageToIter(cp!.Page, off, n);
            already += copied;
            pos += copied;
            if (copied < n) { error = Errno.EFAULT; break; }
        }
        iocb.Position = pos;
        return already > 0 ? already : error.Negative;
    }
}
