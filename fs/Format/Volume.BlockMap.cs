using System.Buffers.Binary;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

// The block-pointer tree: height 0 stuffed, height h >= 1 a tree of pointers with the top level in
// the dinode (gfs2's metapath scheme). Bit 63 of a leaf pointer marks an unwritten (preallocated) block.
public sealed partial class Volume
{
    internal const long UnwrittenBit = long.MinValue;
    internal const long BlockMask = (1L << 56) - 1;

    /// <summary>Pointers in the dinode's data area.</summary>
    internal int DinodePointers => (BlockSize - DinodeImage.DataOffset) / 8;

    /// <summary>Pointers in an indirect block.</summary>
    internal int IndirectPointers => (BlockSize - MetaHeader.Size) / 8;

    /// <summary>Bytes a stuffed dinode can hold.</summary>
    public int StuffedCapacity => BlockSize - DinodeImage.DataOffset;

    /// <summary>File blocks a tree of <paramref name="height"/> covers (saturating).</summary>
    internal long Capacity(int height)
    {
        if (height <= 0) return 0;
        long c = DinodePointers;
        for (int i = 1; i < height; i++)
        {
            if (c > long.MaxValue / IndirectPointers) return long.MaxValue;
            c *= IndirectPointers;
        }
        return c;
    }

    /// <summary>File blocks one pointer at <paramref name="level"/> (0 = in the dinode) covers in a tree of <paramref name="height"/>.</summary>
    private long SpanOf(int height, int level)
    {
        long s = 1;
        for (int i = level + 1; i < height; i++)
        {
            if (s > long.MaxValue / IndirectPointers) return long.MaxValue;
            s *= IndirectPointers;
        }
        return s;
    }

    private static long ReadPtr(ReadOnlySpan<byte> area, int i) => BinaryPrimitives.ReadInt64LittleEndian(area[(8 * i)..]);
    private static void WritePtr(Span<byte> area, int i, long v) => BinaryPrimitives.WriteInt64LittleEndian(area[(8 * i)..], v);

    private static Span<byte> IndirectArea(byte[] img) => img.AsSpan(MetaHeader.Size);

    /// <summary>Validates a pointer read from <paramref name="owner"/>: a data block, unwritten only at the leaf level.</summary>
    private Errno CheckPtr(long ptr, long owner, bool leaf)
    {
        long b = ptr & BlockMask;
        if ((ptr & ~(BlockMask | UnwrittenBit)) != 0 || (!leaf && ptr < 0) || !IsDataBlock(b))
            return Corrupt($"block {owner}: invalid block pointer 0x{ptr:x16}");
        return Errno.OK;
    }

    /// <summary>The raw leaf pointer of <paramref name="fileBlock"/> (0 = hole).</summary>
    internal Errno MapBlock(MetaTx tx, long ino, DinodeImage di, long fileBlock, out long ptr)
    {
        ptr = 0;
        int h = di.Height;
        if (h == 0 || fileBlock < 0 || fileBlock >= Capacity(h)) return Errno.OK;
        Span<byte> area = di.Data;
        long owner = ino;
        for (int level = 0; level < h; level++)
        {
            long span = SpanOf(h, level);
            int idx = (int)(fileBlock / span);
            fileBlock %= span;
            long p = ReadPtr(area, idx);
            if (p == 0) return Errno.OK;
            bool leaf = level == h - 1;
            var e = CheckPtr(p, owner, leaf);
            if (!e.IsOk) return e;
            if (leaf) { ptr = p; return Errno.OK; }
            e = tx.Read(p, BlockType.Indirect, out var img);
            if (!e.IsOk) return e;
            area = IndirectArea(img);
            owner = p;
        }
        return Errno.OK;
    }

    /// <summary>Grows the tree until it covers <paramref name="fileBlock"/>. A stuffed dinode must have been unstuffed first.</summary>
    private Errno GrowTo(MetaTx tx, long ino, DinodeImage di, long fileBlock)
    {
        if (di.Height == 0) di.Height = 1; // an empty stuffed dinode: its data area becomes the pointer array
        while (Capacity(di.Height) <= fileBlock)
        {
            if (di.Height >= DinodeImage.MaxHeight) return Errno.EFBIG;
            if (di.Data.IndexOfAnyExcept((byte)0) >= 0)
            {
                var e = AllocBlock(tx, ino, BlockState.Used, out long nb);
                if (!e.IsOk) return e;
                var img = tx.Create(nb, BlockType.Indirect);
                di.Data[..(8 * DinodePointers)].CopyTo(IndirectArea(img));
                di.Data.Clear();
                WritePtr(di.Data, 0, nb);
                di.Blocks++;
            }
            di.Height++;
        }
        tx.MarkDirty(ino);
        return Errno.OK;
    }

    /// <summary>Sets the leaf pointer of <paramref name="fileBlock"/>, allocating indirect blocks on the way.</summary>
    private Errno SetLeafPtr(MetaTx tx, long ino, DinodeImage di, long fileBlock, long value)
    {
        var e = GrowTo(tx, ino, di, fileBlock);
        if (!e.IsOk) return e;
        int h = di.Height;
        Span<byte> area = di.Data;
        long owner = ino;
        for (int level = 0; level < h; level++)
        {
            long span = SpanOf(h, level);
            int idx = (int)(fileBlock / span);
            fileBlock %= span;
            if (level == h - 1)
            {
                WritePtr(area, idx, value);
                tx.MarkDirty(owner);
                return Errno.OK;
            }
            long p = ReadPtr(area, idx);
            byte[] img;
            if (p == 0)
            {
                e = AllocBlock(tx, owner, BlockState.Used, out p);
                if (!e.IsOk) return e;
                img = tx.Create(p, BlockType.Indirect);
                WritePtr(area, idx, p);
                tx.MarkDirty(owner);
                di.Blocks++;
                tx.MarkDirty(ino);
            }
            else
            {
                e = CheckPtr(p, owner, false);
                if (!e.IsOk) return e;
                e = tx.Read(p, BlockType.Indirect, out img);
                if (!e.IsOk) return e;
            }
            area = IndirectArea(img);
            owner = p;
        }
        return Errno.OK;
    }

    /// <summary>
    /// Frees every block mapped in [<paramref name="from"/>, <paramref name="to"/>) below one pointer array, and
    /// the indirect blocks left empty, stopping once <paramref name="budget"/> blocks were freed (so one transaction
    /// stays small). <paramref name="empty"/> says whether the array is all holes afterwards.
    /// </summary>
    private Errno PunchArea(MetaTx tx, DinodeImage di, Span<byte> area, int count, long owner, int h, int level,
        long baseBlock, long from, long to, ref int budget, out bool empty)
    {
        empty = true;
        long span = SpanOf(h, level);
        for (int i = 0; i < count; i++)
        {
            long p = ReadPtr(area, i);
            if (p == 0) continue;
            long lo = baseBlock + i * span;
            long hi = span > long.MaxValue - lo ? long.MaxValue : lo + span;
            if (hi <= from || lo >= to) { empty = false; continue; }
            if (budget <= 0) { empty = false; break; }
            bool leaf = level == h - 1;
            var e = CheckPtr(p, owner, leaf);
            if (!e.IsOk) return e;
            long b = p & BlockMask;
            if (!leaf)
            {
                e = tx.Read(b, BlockType.Indirect, out var img);
                if (!e.IsOk) return e;
                e = PunchArea(tx, di, IndirectArea(img), IndirectPointers, b, h, level + 1, lo, from, to, ref budget, out bool childEmpty);
                if (!e.IsOk) return e;
                if (!childEmpty) { empty = false; continue; }
            }
            e = FreeBlock(tx, b);
            if (!e.IsOk) return e;
            budget--;
            di.Blocks--;
            WritePtr(area, i, 0);
            tx.MarkDirty(owner);
        }
        return Errno.OK;
    }

    /// <summary>Punches [<paramref name="from"/>, <paramref name="to"/>) out of the tree; an emptied tree drops to height 1.
    /// With a <paramref name="budget"/>, frees at most that many blocks and sets <paramref name="more"/> when some are left.</summary>
    internal Errno PunchBlocks(MetaTx tx, long ino, DinodeImage di, long from, long to, int budget, out bool more)
    {
        more = false;
        if (di.Height == 0 || from >= to) return Errno.OK;
        int left = budget;
        var e = PunchArea(tx, di, di.Data, DinodePointers, ino, di.Height, 0, 0, from, to, ref left, out bool empty);
        more = left <= 0;
        if (!e.IsOk) return e;
        if (empty) { di.Height = 1; di.Data.Clear(); } // an empty tree of any height is an empty height-1 tree
        tx.MarkDirty(ino);
        return Errno.OK;
    }

    /// <summary>Punches without a budget (for trees known to be small, and eviction of directories).</summary>
    internal Errno PunchBlocks(MetaTx tx, long ino, DinodeImage di, long from, long to) =>
        PunchBlocks(tx, ino, di, from, to, int.MaxValue, out _);

    /// <summary>Moves stuffed file content into a freshly allocated data block (height 0 -> 1). Data is written
    /// to the device before the transaction commits (ordered data).</summary>
    internal Errno Unstuff(MetaTx tx, long ino, DinodeImage di)
    {
        if (di.Height != 0) return Errno.OK;
        long size = Math.Min(di.Size, StuffedCapacity);
        if (size == 0 || di.Data[..(int)size].IndexOfAnyExcept((byte)0) < 0)
        {
            di.Data.Clear();
            di.Height = 1;
            tx.MarkDirty(ino);
            return Errno.OK;
        }
        var e = AllocBlock(tx, ino, BlockState.Used, out long b);
        if (!e.IsOk) return e;
        var block = new byte[BlockSize];
        di.Data[..(int)size].CopyTo(block);
        e = Device.Write(b * BlockSize, block);
        if (!e.IsOk) return Failed(e, $"block {b}: data write failed: {e}");
        di.Data.Clear();
        di.Height = 1;
        WritePtr(di.Data, 0, b);
        di.Blocks++;
        tx.MarkDirty(ino);
        return Errno.OK;
    }

    /// <summary>Visits every block of <paramref name="ino"/>'s tree: indirect blocks through <paramref name="onIndirect"/>,
    /// leaf pointers (raw, with the unwritten bit) through <paramref name="onLeaf"/>. Stops at the first bad pointer.</summary>
    internal Errno WalkTree(MetaTx tx, long ino, DinodeImage di, Action<long> onIndirect, Action<long, long> onLeaf)
    {
        if (di.Height == 0) return Errno.OK;
        return WalkArea(tx, di.Data, DinodePointers, ino, di.Height, 0, 0, onIndirect, onLeaf, []);
    }

    private Errno WalkArea(MetaTx tx, Span<byte> area, int count, long owner, int h, int level, long baseBlock,
        Action<long> onIndirect, Action<long, long> onLeaf, HashSet<long> seen)
    {
        long span = SpanOf(h, level);
        for (int i = 0; i < count; i++)
        {
            long p = ReadPtr(area, i);
            if (p == 0) continue;
            bool leaf = level == h - 1;
            var e = CheckPtr(p, owner, leaf);
            if (!e.IsOk) return e;
            long fb = baseBlock + i * span;
            if (leaf) { onLeaf(fb, p); continue; }
            // A block reachable twice would make the walk exponential: stop at the second reference.
            if (!seen.Add(p)) return Corrupt($"block {owner}: indirect block {p} referenced twice");
            onIndirect(p);
            e = tx.Read(p, BlockType.Indirect, out var img);
            if (!e.IsOk) return e;
            e = WalkArea(tx, IndirectArea(img), IndirectPointers, p, h, level + 1, fb, onIndirect, onLeaf, seen);
            if (!e.IsOk) return e;
        }
        return Errno.OK;
    }
}
