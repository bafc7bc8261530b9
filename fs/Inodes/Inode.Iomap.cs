using ClusterFs.Fs.Format;
using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Inodes;

// iomap_ops over the Volume block map (gfs2_iomap_ops) and the direct-I/O host. Called with the inode glock held
// (SH for reads, EX for writes); allocation takes the meta glock on top.
public sealed partial class Inode : IIomapOps, IDioHost
{
    /// <summary>Longest mapping one Begin reports (keeps each call's allocation within a few transactions).</summary>
    private const long MaxMapBlocks = 4096;

    IIomapOps IDioHost.Iomap => this;

    /// <summary>Filesystem block size (direct I/O alignment).</summary>
    public int BlockSize => Node.BlockSize;

    /// <summary>The device direct I/O reads and writes.</summary>
    public IBlockDevice Device => Node.Device;

    /// <summary>
    /// Maps [pos, pos + length). A stuffed file reports Inline (its bytes in <see cref="IomapMapping.InlineData"/>)
    /// unless a write goes past the dinode's capacity, which unstuffs it. Otherwise the block map: Mapped,
    /// Unwritten, or Hole; with <see cref="IomapIterFlags.Write"/> holes are allocated as Unwritten blocks (flag
    /// New) under the meta glock, so data reaches them before anything marks them written.
    /// </summary>
    public Errno Begin(long pos, long length, IomapIterFlags flags, out IomapMapping mapping)
    {
        mapping = default;
        if (pos < 0 || length <= 0) return Errno.EINVAL;
        var vol = Node.Volume;
        int bs = vol.BlockSize;
        bool write = (flags & IomapIterFlags.Write) != 0;
        long fb = pos / bs;
        long lastBlock = (Math.Min(pos + length, Volume.MaxFileSize) + bs - 1) / bs;
        long want = Math.Clamp(lastBlock - fb, 1, MaxMapBlocks);
        // One metadata operation reads the dinode for both the attributes and the block map.
        var e = vol.GetAttrAndMap(Ino, fb, want, out var attr, out var bm);
        if (!e.IsOk) return e;
        if (attr!.Height == 0)
        {
            int cap = vol.StuffedCapacity;
            if (!write || pos + length <= cap)
            {
                if (pos >= cap)
                {
                    mapping = new IomapMapping(cap, long.MaxValue - cap, IomapType.Hole, IomapMapping.NoDeviceOffset, IomapFlags.None);
                    return Errno.OK;
                }
                var data = new byte[cap];
                long n = vol.ReadData(Ino, 0, data);
                if (n < 0) return Errno.FromResult(n);
                mapping = new IomapMapping(0, cap, IomapType.Inline, IomapMapping.NoDeviceOffset, IomapFlags.None, data);
                return Errno.OK;
            }
        }
        var mapFlags = IomapFlags.None;
        if (write && (attr.Height == 0 || bm.IsHole))
        {
            long count = attr.Height == 0 ? want : Math.Min(want, bm.Length);
            using (var meta = Node.LockMeta(out e))
            {
                if (!e.IsOk) return e;
                // Unstuffing moves the inline bytes to block 0 only when they are not all zero on disk, but page 0
                // may hold newer dirty data: block 0 must exist for its write-back.
                if (attr.Height == 0 && fb > 0) e = vol.AllocateRange(Ino, 0, 1, unwritten: true);
                if (e.IsOk) e = vol.AllocateRange(Ino, fb, count, unwritten: true);
            }
            if (!e.IsOk) return e;
            e = vol.Map(Ino, fb, count, out bm);
            if (!e.IsOk) return e;
            mapFlags |= IomapFlags.New;
        }
        var type = bm.IsHole ? IomapType.Hole : bm.Unwritten ? IomapType.Unwritten : IomapType.Mapped;
        long dev = bm.IsHole ? IomapMapping.NoDeviceOffset : bm.DeviceBlock * bs;
        mapping = new IomapMapping(fb * bs, bm.Length * bs, type, dev, mapFlags);
        return Errno.OK;
    }

    /// <summary>Finishes a Begin. Only a direct write to inline data commits anything here (the inline bytes, through
    /// the journal); buffered writes reach the disk through write-back.</summary>
    public Errno End(long pos, long length, long written, IomapIterFlags flags, in IomapMapping mapping)
    {
        if (mapping.Type != IomapType.Inline || written <= 0) return Errno.OK;
        if ((flags & (IomapIterFlags.Write | IomapIterFlags.Direct)) != (IomapIterFlags.Write | IomapIterFlags.Direct)) return Errno.OK;
        long n = Node.Volume.WriteData(Ino, pos, mapping.InlineData.Span.Slice((int)(pos - mapping.Offset), (int)written));
        return n < 0 ? Errno.FromResult(n) : Errno.OK;
    }

    /// <summary>kiocb_write_and_wait: writes back dirty cached pages over the range.</summary>
    public Errno WriteAndWait(long pos, long length) =>
        WritebackRange(pos / Iov.Mm.Page.Size, PageEnd(pos, length));

    /// <summary>kiocb_invalidate_pages: writes back, then drops (and unmaps) the cached pages over the range.</summary>
    public Errno InvalidatePages(long pos, long length)
    {
        long first = pos / Iov.Mm.Page.Size, end = PageEnd(pos, length);
        var e = WritebackRange(first, end);
        if (!e.IsOk) return e;
        Cache.Drop(first, end);
        return Errno.OK;
    }

    /// <summary>Direct-I/O end_io: a completed write converts its unwritten blocks and extends i_size (and the
    /// dinode) past the old end.</summary>
    public Errno EndIo(long pos, long size, Errno error, bool write)
    {
        if (!write || !error.IsOk || size <= 0) return error;
        int bs = BlockSize;
        long fb = pos / bs, count = (pos + size + bs - 1) / bs - fb;
        var e = Node.Volume.MarkWritten(Ino, fb, count);
        if (!e.IsOk) return e;
        if (pos + size > Size)
        {
            SetSizeLocked(pos + size);
            e = Node.Volume.SetAttr(Ino, new SetAttrRequest { Size = pos + size });
            if (e.IsOk) Interlocked.Exchange(ref _diskSize, pos + size);
        }
        return e;
    }

    private static long PageEnd(long pos, long length) =>
        length >= long.MaxValue - pos - Iov.Mm.Page.Size ? long.MaxValue : (pos + length + Iov.Mm.Page.Size - 1) / Iov.Mm.Page.Size;
}
