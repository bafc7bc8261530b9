using ClusterFs.Fs.Inodes;
using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.PageCache;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Fs.Files;

/// <summary>iomap_file_buffered_write / iomap_write_iter (fs/iomap/buffered-io.c), over the inode's page cache.</summary>
public static class BufferedWrite
{
    /// <summary>mapping_max_folio_size: the cache uses single-page folios, so a chunk starts at one page (the
    /// halving after a rejected copy is kept for fidelity but cannot go below a page).</summary>
    private const int MaxFolioSize = Page.Size;

    /// <summary>
    /// Writes <paramref name="from"/> at <see cref="Kiocb.Position"/> through the page cache, called with the inode
    /// glock EX. For each chunk: fault the source in (readable) first and give up with EFAULT only when nothing of
    /// it can be faulted in; allocate through <see cref="IIomapOps.Begin"/>; lock the page (reading it first unless
    /// the chunk covers it whole); copy with <see cref="IovIter.CopyPageFromIterAtomic"/> (faults disabled, may be
    /// short or zero); a short copy into a page that is not uptodate is rejected (written 0, iterator reverted,
    /// chunk halved, retried with the copied length). Extends i_size. Returns the bytes written (ki_pos advanced)
    /// or, with no progress at all, -errno.
    /// </summary>
    public static long Write(Inode inode, Kiocb iocb, IovIter from)
    {
        long pos = iocb.Position;
        long total = 0;
        Errno status = Errno.OK;
        while (from.Count > 0 && status.IsOk)
        {
            var e = inode.Begin(pos, from.Count, IomapIterFlags.Write, out var m);
            if (!e.IsOk) { status = e; break; }
            long mapEnd = m.Offset + m.Length;
            long written = WriteIter(inode, ref pos, mapEnd, from, out status);
            inode.End(pos - written, mapEnd - (pos - written), written, IomapIterFlags.Write, m);
            total += written;
            if (written == 0 && status.IsOk) status = Errno.EFAULT; // defensive: never loop without progress
        }
        iocb.Position = pos;
        return total > 0 ? total : status.Negative;
    }

    /// <summary>iomap_write_iter over one mapping [.., mapEnd). Returns the bytes written; <paramref name="status"/>
    /// is the error that stopped it (OK when the mapping or the iterator was exhausted).</summary>
    private static long WriteIter(Inode inode, ref long pos, long mapEnd, IovIter from, out Errno status)
    {
        int chunk = MaxFolioSize;
        long total = 0;
        status = Errno.OK;
        var task = TaskContext.Current;
        while (from.Count > 0 && pos < mapEnd)
        {
            int offset = (int)(pos & (chunk - 1));
            long bytes = Math.Min(Math.Min(chunk - offset, from.Count), mapEnd - pos);
            // Fault the source in before locking the page; under pagefault_disable (gfs2) this cannot fault
            // anything in, so only a source with nothing resident fails here.
            if (FaultInIter.FaultInIovIterReadable(from, bytes) == bytes) { status = Errno.EFAULT; break; }
        retry:
            long index = pos / Page.Size;
            int inPage = (int)(pos & (Page.Size - 1));
            bool whole = inPage == 0 && bytes == Page.Size;
            var cp = LockPageForWrite(inode, index, whole, out var e);
            if (cp is null) { status = e; break; }
            long copied, written;
            bool newlyDirty;
            try
            {
                copied = from.CopyPageFromIterAtomic(cp.Page, inPage, (int)bytes);
                // __iomap_write_end: a short copy into a page that is not uptodate cannot be used.
                written = copied < bytes && !cp.Uptodate ? 0 : copied;
                newlyDirty = false;
                if (written > 0)
                {
                    if (whole) cp.Uptodate = true;
                    newlyDirty = !cp.Page.Dirty;
                    cp.Page.Dirty = true;
                    if (pos + written > inode.Size) inode.SetSizeLocked(pos + written);
                }
            }
            finally
            {
                cp.Unlock();
            }
            if (newlyDirty && ++task.NrDirtied >= task.NrDirtiedPause) task.NrDirtied = 0; // balance_dirty_pages pause
            if (written == 0)
            {
                from.Revert(copied);
                if (chunk > Page.Size) chunk /= 2;
                if (copied > 0) { bytes = copied; goto retry; }
                continue; // back to the fault-in: EFAULT if nothing can be faulted in
            }
            pos += written;
            total += written;
        }
        return total;
    }

    /// <summary>write_begin: the page at <paramref name="index"/>, locked and in the cache; read first unless the
    /// write covers it whole (then a rejected partial copy leaves it not uptodate).</summary>
    private static CachedPage? LockPageForWrite(Inode inode, long index, bool whole, out Errno error)
    {
        while (true)
        {
            var cp = inode.Cache.FindOrCreate(index);
            if (!cp.Uptodate && !whole)
            {
                error = inode.Cache.ReadRun(index, 1);
                if (!error.IsOk) return null;
            }
            cp.Lock();
            if (cp.InCache && (whole || cp.Uptodate)) { error = Errno.OK; return cp; }
            cp.Unlock();
        }
    }
}
