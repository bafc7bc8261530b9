using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

// File content: mapping, allocation, unwritten extents, punch/truncate, and byte-level read/write
// (stuffed content lives in the dinode; block content is written to the device before the metadata
// that points at it commits).
public sealed partial class Volume
{
    /// <summary>Largest run an allocation transaction covers, to keep each transaction within a journal's reach.</summary>
    private const int BlocksPerTransaction = 256;

    /// <summary>Largest file size (1 PiB): within what a height-8 tree covers at every block size.</summary>
    public const long MaxFileSize = 1L << 50;

    /// <summary>Changes the size: frees whole blocks past the new end, zeroes the tail of the last partial block,
    /// unstuffs when growing beyond the dinode. A shrink that leaves no block and fits the dinode returns the file to stuffed.</summary>
    private Errno ResizeLocked(MetaTx tx, long ino, DinodeImage di, long size)
    {
        if (size > MaxFileSize) return Errno.EFBIG;
        if (di.Height == 0)
        {
            if (size <= StuffedCapacity)
            {
                if (size < di.Size) di.Data[(int)size..].Clear();
                di.Size = size;
                tx.MarkDirty(ino);
                return Errno.OK;
            }
            var e0 = Unstuff(tx, ino, di);
            if (!e0.IsOk) return e0;
        }
        if (size < di.Size)
        {
            long firstFree = (size + BlockSize - 1) / BlockSize;
            var e = PunchBlocks(tx, ino, di, firstFree, long.MaxValue);
            if (!e.IsOk) return e;
            int tail = (int)(size % BlockSize);
            if (tail != 0)
            {
                e = MapBlock(tx, ino, di, size / BlockSize, out long p);
                if (!e.IsOk) return e;
                if (p > 0) // written block: zero past the new end so a later extension reads zeroes
                {
                    var buf = new byte[BlockSize];
                    long off = (p & BlockMask) * BlockSize;
                    e = Device.Read(off, buf);
                    if (e.IsOk) { buf.AsSpan(tail).Clear(); e = Device.Write(off, buf); }
                    if (!e.IsOk) return Failed(e, $"block {p & BlockMask}: data I/O failed: {e}");
                }
            }
        }
        // A tree left empty by a shrink that fits the dinode goes back to stuffed (all zeroes).
        if (di.Height == 1 && size <= StuffedCapacity && di.Data.IndexOfAnyExcept((byte)0) < 0) di.Height = 0;
        di.Size = size;
        tx.MarkDirty(ino);
        return Errno.OK;
    }

    /// <summary>Maps file block <paramref name="fileBlock"/> of <paramref name="ino"/> and as many following blocks
    /// as are contiguous and of the same kind (at most <paramref name="maxLength"/>). A stuffed file maps as a
    /// hole (its content is in the dinode: use <see cref="ReadData"/>).</summary>
    public Errno Map(long ino, long fileBlock, long maxLength, out BlockMapping mapping)
    {
        BlockMapping result = default;
        var e = Run(tx =>
        {
            var e = ReadDinode(tx, ino, out var di);
            if (!e.IsOk) return e;
            return MapRun(tx, ino, di, fileBlock, maxLength, out result);
        });
        mapping = result;
        return e;
    }

    /// <summary>
    /// <see cref="GetAttr"/> and, for an unstuffed file (height above 0), <see cref="Map"/> in one operation: the
    /// dinode (and its bitmap state) is read and checked once instead of twice, which is most of the metadata
    /// reading of a small direct read. <paramref name="mapping"/> is default for a stuffed file.
    /// </summary>
    public Errno GetAttrAndMap(long ino, long fileBlock, long maxLength, out InodeAttr? attr, out BlockMapping mapping)
    {
        InodeAttr? a = null;
        BlockMapping result = default;
        var e = Run(tx =>
        {
            var e = ReadDinode(tx, ino, out var di);
            if (!e.IsOk) return e;
            a = ToAttr(ino, di);
            return di.Height == 0 ? Errno.OK : MapRun(tx, ino, di, fileBlock, maxLength, out result);
        });
        attr = a;
        mapping = result;
        return e;
    }

    private Errno MapRun(MetaTx tx, long ino, DinodeImage di, long fileBlock, long maxLength, out BlockMapping mapping)
    {
        mapping = default;
        var e = MapBlock(tx, ino, di, fileBlock, out long p);
        if (!e.IsOk) return e;
        long len = 1;
        while (len < maxLength)
        {
            e = MapBlock(tx, ino, di, fileBlock + len, out long q);
            if (!e.IsOk) return e;
            bool same = p == 0 ? q == 0 && fileBlock + len < Capacity(di.Height) : q == p + len;
            if (!same) break;
            len++;
        }
        mapping = new BlockMapping(fileBlock, p & BlockMask, len, p < 0);
        return Errno.OK;
    }

    /// <summary>
    /// Allocates every hole in [<paramref name="firstBlock"/>, +<paramref name="count"/>), each new block placed right
    /// after the previous one where possible; <paramref name="unwritten"/> marks them preallocated (reads as zeroes).
    /// A block allocated written holds stale bytes: the caller writes all of it before the size covers it.
    /// Runs as several transactions for long ranges. ENOSPC when the filesystem fills (blocks allocated so far stay).
    /// </summary>
    public Errno AllocateRange(long ino, long firstBlock, long count, bool unwritten)
    {
        if (firstBlock < 0 || count < 0) return Errno.EINVAL;
        for (long done = 0; done < count;)
        {
            long chunk = Math.Min(BlocksPerTransaction, count - done);
            long start = firstBlock + done;
            var e = Run(tx =>
            {
                var e = ReadDinode(tx, ino, out var di);
                if (!e.IsOk) return e;
                if (FileTypeBits.IsDir(di.Mode) || FileTypeBits.IsLink(di.Mode)) return Errno.EINVAL;
                if (di.Height == 0) { e = Unstuff(tx, ino, di); if (!e.IsOk) return e; }
                long goal = ino;
                if (start > 0)
                {
                    e = MapBlock(tx, ino, di, start - 1, out long prev);
                    if (!e.IsOk) return e;
                    if (prev != 0) goal = (prev & BlockMask) + 1;
                }
                for (long fb = start; fb < start + chunk; fb++)
                {
                    e = MapBlock(tx, ino, di, fb, out long p);
                    if (!e.IsOk) return e;
                    if (p != 0) { goal = (p & BlockMask) + 1; continue; }
                    e = AllocBlock(tx, goal, BlockState.Used, out long b);
                    if (!e.IsOk) return e;
                    e = SetLeafPtr(tx, ino, di, fb, unwritten ? b | UnwrittenBit : b);
                    if (!e.IsOk) return e;
                    di.Blocks++;
                    goal = b + 1;
                }
                tx.MarkDirty(ino);
                return Errno.OK;
            });
            if (!e.IsOk) return e;
            done += chunk;
        }
        return Errno.OK;
    }

    /// <summary>Clears the unwritten mark of every block in the range (after its data reached the device). Holes stay holes.</summary>
    public Errno MarkWritten(long ino, long firstBlock, long count) => Run(tx =>
    {
        var e = ReadDinode(tx, ino, out var di);
        if (!e.IsOk) return e;
        for (long fb = firstBlock; fb < firstBlock + count; fb++)
        {
            e = MapBlock(tx, ino, di, fb, out long p);
            if (!e.IsOk) return e;
            if (p >= 0) continue;
            e = SetLeafPtr(tx, ino, di, fb, p & BlockMask);
            if (!e.IsOk) return e;
        }
        return Errno.OK;
    });

    /// <summary>Frees the blocks of [<paramref name="firstBlock"/>, +<paramref name="count"/>) (they read as a hole
    /// afterwards) and any indirect block left empty; in a stuffed file, zeroes the range. The size does not change.</summary>
    public Errno Punch(long ino, long firstBlock, long count)
    {
        if (firstBlock < 0 || count < 0) return Errno.EINVAL;
        var e = GetAttr(ino, out var attr);
        if (!e.IsOk) return e;
        if (!FileTypeBits.IsReg(attr!.Mode)) return Errno.EINVAL;
        long end = count > long.MaxValue - firstBlock ? long.MaxValue : firstBlock + count;
        if (attr.Height == 0)
        {
            // Stuffed: the punched range reads as zeroes like any hole; no block to free.
            return Run(tx =>
            {
                var e = ReadDinode(tx, ino, out var di);
                if (!e.IsOk || di.Height != 0) return e;
                long from = Math.Min(di.Size, firstBlock * (long)BlockSize);
                long to = end > di.Size / BlockSize + 1 ? di.Size : Math.Min(di.Size, end * BlockSize);
                if (to > from) { di.Data[(int)from..(int)to].Clear(); tx.MarkDirty(ino); }
                return Errno.OK;
            });
        }
        return PunchChunked(ino, firstBlock, end, needUnlinked: false);
    }

    /// <summary>Moves a stuffed regular file's content into a data block so that every byte is block-mapped
    /// (before mapping it for page-cache or direct I/O). No-op when already block-mapped; EINVAL for other types.</summary>
    public Errno Unstuff(long ino) => Run(tx =>
    {
        var e = ReadDinode(tx, ino, out var di);
        if (!e.IsOk) return e;
        if (!FileTypeBits.IsReg(di.Mode)) return Errno.EINVAL;
        return Unstuff(tx, ino, di);
    });

    /// <summary>Reads file content at <paramref name="offset"/>: returns the bytes read (short at end of file)
    /// or -errno. Holes and unwritten blocks read as zeroes.</summary>
    public long ReadData(long ino, long offset, Span<byte> buffer)
    {
        lock (_opLock)
        {
            var tx = new MetaTx(this);
            var e = ReadDinode(tx, ino, out var di);
            if (!e.IsOk) return e.Negative;
            if (FileTypeBits.IsDir(di.Mode)) return Errno.EISDIR.Negative;
            if (offset < 0) return Errno.EINVAL.Negative;
            if (offset >= di.Size) return 0;
            int n = (int)Math.Min(buffer.Length, di.Size - offset);
            if (di.Height == 0)
            {
                di.Data.Slice((int)offset, n).CopyTo(buffer);
                return n;
            }
            var block = new byte[BlockSize];
            for (int done = 0; done < n;)
            {
                long pos = offset + done;
                int inBlock = (int)(pos % BlockSize);
                int len = Math.Min(n - done, BlockSize - inBlock);
                e = MapBlock(tx, ino, di, pos / BlockSize, out long p);
                if (!e.IsOk) return e.Negative;
                if (p <= 0) buffer.Slice(done, len).Clear();
                else
                {
                    e = Device.Read(p * BlockSize, block);
                    if (!e.IsOk) return Failed(e, $"block {p}: data read failed: {e}").Negative;
                    block.AsSpan(inBlock, len).CopyTo(buffer[done..]);
                }
                done += len;
            }
            return n;
        }
    }

    /// <summary>Writes file content at <paramref name="offset"/>, allocating blocks (new blocks zero-filled around
    /// the written bytes, unwritten blocks converted), growing the size and setting mtime/ctime. Data reaches the
    /// device before the metadata commits. Returns bytes written or -errno (nothing is committed on error).</summary>
    public long WriteData(long ino, long offset, ReadOnlySpan<byte> data)
    {
        if (offset < 0) return Errno.EINVAL.Negative;
        if (offset + (long)data.Length > MaxFileSize) return Errno.EFBIG.Negative;
        var copy = data.ToArray();
        var e = Run(tx =>
        {
            var e = ReadDinode(tx, ino, out var di);
            if (!e.IsOk) return e;
            if (!FileTypeBits.IsReg(di.Mode)) return FileTypeBits.IsDir(di.Mode) ? Errno.EISDIR : Errno.EINVAL;
            long end = offset + copy.Length;
            if (di.Height == 0 && end <= StuffedCapacity)
            {
                copy.CopyTo(di.Data[(int)offset..]);
            }
            else
            {
                if (di.Height == 0) { e = Unstuff(tx, ino, di); if (!e.IsOk) return e; }
                e = WriteBlocksLocked(tx, ino, di, offset, copy);
                if (!e.IsOk) return e;
            }
            if (end > di.Size) di.Size = end;
            var now = Timestamp.Now;
            di.Mtime = now;
            di.Ctime = now;
            tx.MarkDirty(ino);
            return Errno.OK;
        });
        return e.IsOk ? copy.Length : e.Negative;
    }

    private Errno WriteBlocksLocked(MetaTx tx, long ino, DinodeImage di, long offset, byte[] data)
    {
        var block = new byte[BlockSize];
        long goal = ino;
        for (int done = 0; done < data.Length;)
        {
            long pos = offset + done;
            long fb = pos / BlockSize;
            int inBlock = (int)(pos % BlockSize);
            int len = Math.Min(data.Length - done, BlockSize - inBlock);
            var e = MapBlock(tx, ino, di, fb, out long p);
            if (!e.IsOk) return e;
            long b = p & BlockMask;
            if (p > 0 && len < BlockSize)
            {
                e = Device.Read(b * BlockSize, block);
                if (!e.IsOk) return Failed(e, $"block {b}: data read failed: {e}");
            }
            else block.AsSpan().Clear(); // new or unwritten block: what is not written reads as zeroes
            if (p == 0)
            {
                e = AllocBlock(tx, goal, BlockState.Used, out b);
                if (!e.IsOk) return e;
                di.Blocks++;
            }
            data.AsSpan(done, len).CopyTo(block.AsSpan(inBlock));
            e = Device.Write(b * BlockSize, block);
            if (!e.IsOk) return Failed(e, $"block {b}: data write failed: {e}");
            if (p <= 0)
            {
                e = SetLeafPtr(tx, ino, di, fb, b);
                if (!e.IsOk) return e;
            }
            goal = b + 1;
            done += len;
        }
        return Errno.OK;
    }
}
