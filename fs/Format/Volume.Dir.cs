using System.Buffers.Binary;
using System.Text;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

// Directories: extendible hashing. The hash table (2^depth leaf pointers) is stuffed in the dinode while
// it fits, else spread over DirTable blocks mapped through the dinode's pointer tree.
public sealed partial class Volume
{
    private int TableSlotsPerBlock => (BlockSize - MetaHeader.Size) / 8;

    /// <summary>DirTable blocks a table of <paramref name="depth"/> needs (0 when stuffed).</summary>
    internal long TableBlocks(int depth) =>
        (8L << depth) <= StuffedCapacity ? 0 : ((1L << depth) + TableSlotsPerBlock - 1) / TableSlotsPerBlock;

    /// <summary>Checks a name for a directory entry: EINVAL for empty, '.', '..', '/' or NUL; ENAMETOOLONG beyond 255 bytes.</summary>
    internal static Errno CheckName(string name, out byte[] bytes)
    {
        bytes = Encoding.UTF8.GetBytes(name);
        if (bytes.Length > 255) return Errno.ENAMETOOLONG;
        if (bytes.Length == 0 || name is "." or ".." || bytes.AsSpan().IndexOfAny((byte)0, (byte)'/') >= 0) return Errno.EINVAL;
        return Errno.OK;
    }

    private Errno TableSlotRef(MetaTx tx, long dir, DinodeImage di, long index, out byte[] img, out int offset, out long owner)
    {
        img = di.Image;
        owner = dir;
        offset = DinodeImage.DataOffset + (int)(8 * index);
        if (di.Height == 0) return Errno.OK;
        long tb = index / TableSlotsPerBlock;
        var e = MapBlock(tx, dir, di, tb, out long p);
        if (!e.IsOk) return e;
        if (p <= 0) return Corrupt($"block {dir}: directory hash table block {tb} is missing");
        e = tx.Read(p, BlockType.DirTable, out img);
        if (!e.IsOk) return e;
        owner = p;
        offset = MetaHeader.Size + (int)(8 * (index % TableSlotsPerBlock));
        return Errno.OK;
    }

    private Errno GetSlot(MetaTx tx, long dir, DinodeImage di, long index, out long leaf)
    {
        leaf = 0;
        var e = TableSlotRef(tx, dir, di, index, out var img, out int off, out long owner);
        if (!e.IsOk) return e;
        leaf = BinaryPrimitives.ReadInt64LittleEndian(img.AsSpan(off));
        return IsDataBlock(leaf) ? Errno.OK : Corrupt($"block {owner}: directory {dir} hash slot {index} points at {leaf}");
    }

    private Errno SetSlots(MetaTx tx, long dir, DinodeImage di, long start, long count, long leaf)
    {
        for (long i = start; i < start + count; i++)
        {
            var e = TableSlotRef(tx, dir, di, i, out var img, out int off, out long owner);
            if (!e.IsOk) return e;
            BinaryPrimitives.WriteInt64LittleEndian(img.AsSpan(off), leaf);
            tx.MarkDirty(owner);
        }
        return Errno.OK;
    }

    private Errno ReadLeaf(MetaTx tx, long block, out DirLeaf leaf)
    {
        leaf = default;
        var e = tx.Read(block, BlockType.DirLeaf, out var img);
        if (!e.IsOk) return e;
        leaf = new DirLeaf(img);
        string? problem = leaf.Validate(MaxDirDepth);
        return problem is null ? Errno.OK : Corrupt($"block {block}: directory leaf {problem}");
    }

    /// <summary>Initialises an empty directory: depth 0, one leaf.</summary>
    private Errno InitDir(MetaTx tx, long dir, DinodeImage di, long parent)
    {
        var e = AllocBlock(tx, dir, BlockState.Used, out long lb);
        if (!e.IsOk) return e;
        tx.Create(lb, BlockType.DirLeaf);
        di.Height = 0;
        di.DirDepth = 0;
        di.Parent = parent;
        di.Entries = 0;
        di.Nlink = 2;
        di.Blocks = 1;
        BinaryPrimitives.WriteInt64LittleEndian(di.Data, lb);
        tx.MarkDirty(dir);
        return Errno.OK;
    }

    /// <summary>Finds <paramref name="name"/> in directory <paramref name="dir"/>: the leaf block and entry offset, or -1.</summary>
    private Errno FindEntry(MetaTx tx, long dir, DinodeImage di, ReadOnlySpan<byte> name, long hash,
        out long leafBlock, out int offset, out bool sameHash)
    {
        offset = -1;
        sameHash = false;
        var e = GetSlot(tx, dir, di, DirHash.Index(hash, di.DirDepth), out leafBlock);
        if (!e.IsOk) return e;
        // A chain exists only at the maximum depth; bounded so a corrupt loop ends.
        for (long b = leafBlock, n = 0; b != 0; n++)
        {
            if (n > 65536) return Corrupt($"block {leafBlock}: directory leaf chain does not end");
            e = ReadLeaf(tx, b, out var leaf);
            if (!e.IsOk) return e;
            int off = leaf.Find(name, hash, out bool same);
            sameHash |= same;
            if (off >= 0) { leafBlock = b; offset = off; return Errno.OK; }
            b = leaf.Next;
            if (b != 0 && (!IsDataBlock(b) || di.DirDepth != MaxDirDepth)) return Corrupt($"block {leafBlock}: bad leaf chain pointer {b}");
        }
        return Errno.OK;
    }

    /// <summary>Adds an entry; EEXIST when the name is there, ENOSPC on a hash collision with another name.</summary>
    private Errno DirAdd(MetaTx tx, long dir, DinodeImage di, byte[] name, long ino, byte dtype)
    {
        long hash = DirHash.Of(name);
        int need = DirLeaf.EntryHeader + name.Length;
        for (int round = 0; round < 2 * MaxDirDepth + 4; round++)
        {
            var e = FindEntry(tx, dir, di, name, hash, out _, out int found, out bool sameHash);
            if (!e.IsOk) return e;
            if (found >= 0) return Errno.EEXIST;
            if (sameHash) return Errno.ENOSPC;
            long index = DirHash.Index(hash, di.DirDepth);
            e = GetSlot(tx, dir, di, index, out long lb);
            if (!e.IsOk) return e;
            e = ReadLeaf(tx, lb, out var leaf);
            if (!e.IsOk) return e;
            if (leaf.Depth > di.DirDepth) return Corrupt($"block {lb}: leaf depth {leaf.Depth} above table depth {di.DirDepth}");
            // Walk to a chained leaf with room (chains only exist at the maximum depth).
            long cur = lb;
            var curLeaf = leaf;
            for (int n = 0; curLeaf.Free < need && curLeaf.Next != 0 && n < 65536; n++)
            {
                cur = curLeaf.Next;
                e = ReadLeaf(tx, cur, out curLeaf);
                if (!e.IsOk) return e;
            }
            if (curLeaf.Free >= need)
            {
                curLeaf.Append(hash, ino, dtype, name);
                tx.MarkDirty(cur);
                di.Entries++;
                tx.MarkDirty(dir);
                return Errno.OK;
            }
            if (leaf.Depth < di.DirDepth) e = SplitLeaf(tx, dir, di, lb, leaf, index);
            else if (di.DirDepth < MaxDirDepth) e = DoubleTable(tx, dir, di);
            else
            {
                e = AllocBlock(tx, cur, BlockState.Used, out long nb);
                if (!e.IsOk) return e;
                var nl = new DirLeaf(tx.Create(nb, BlockType.DirLeaf)) { Depth = leaf.Depth };
                curLeaf.Next = nb;
                tx.MarkDirty(cur);
                di.Blocks++;
                nl.Append(hash, ino, dtype, name);
                di.Entries++;
                tx.MarkDirty(dir);
                return Errno.OK;
            }
            if (!e.IsOk) return e;
        }
        return Corrupt($"block {dir}: directory insert did not converge");
    }

    private Errno SplitLeaf(MetaTx tx, long dir, DinodeImage di, long lb, DirLeaf leaf, long index)
    {
        int ld = leaf.Depth;
        long span = 1L << (di.DirDepth - ld);
        long start = index & ~(span - 1);
        var e = AllocBlock(tx, lb, BlockState.Used, out long nb);
        if (!e.IsOk) return e;
        di.Blocks++;
        var upper = new DirLeaf(tx.Create(nb, BlockType.DirLeaf)) { Depth = ld + 1 };
        // Rebuild the lower leaf from a copy of its entries: those whose next hash bit is 1 move up.
        var old = (byte[])leaf.Image.Clone();
        var src = new DirLeaf(old);
        leaf.Image.AsSpan(DirLeaf.EntriesOffset).Clear();
        leaf.Used = 0;
        leaf.Count = 0;
        leaf.Depth = ld + 1;
        int end = DirLeaf.EntriesOffset + src.Used;
        for (int off = DirLeaf.EntriesOffset; off < end; off += src.SizeAt(off))
        {
            long h = src.HashAt(off);
            var target = ((DirHash.Index(h, ld + 1)) & 1) != 0 ? upper : leaf;
            target.Append(h, src.InoAt(off), src.TypeAt(off), src.NameAt(off));
        }
        tx.MarkDirty(lb);
        return SetSlots(tx, dir, di, start + span / 2, span / 2, nb);
    }

    private Errno DoubleTable(MetaTx tx, long dir, DinodeImage di)
    {
        long n = 1L << di.DirDepth;
        var table = new long[2 * n];
        for (long i = 0; i < n; i++)
        {
            var e = GetSlot(tx, dir, di, i, out long leaf);
            if (!e.IsOk) return e;
            table[2 * i] = leaf;
            table[2 * i + 1] = leaf;
        }
        int newDepth = di.DirDepth + 1;
        if (TableBlocks(newDepth) == 0)
        {
            for (long i = 0; i < table.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(di.Data[(int)(8 * i)..], table[i]);
            di.DirDepth = newDepth;
            tx.MarkDirty(dir);
            return Errno.OK;
        }
        if (di.Height == 0) { di.Data.Clear(); di.Height = 0; }
        long blocks = TableBlocks(newDepth);
        for (long tb = 0; tb < blocks; tb++)
        {
            var e = MapBlock(tx, dir, di, tb, out long p);
            if (!e.IsOk) return e;
            byte[] img;
            if (p == 0)
            {
                e = AllocBlock(tx, dir, BlockState.Used, out p);
                if (!e.IsOk) return e;
                img = tx.Create(p, BlockType.DirTable);
                e = SetLeafPtr(tx, dir, di, tb, p);
                if (!e.IsOk) return e;
                di.Blocks++;
            }
            else
            {
                e = tx.Read(p, BlockType.DirTable, out img);
                if (!e.IsOk) return e;
                tx.MarkDirty(p);
            }
            for (int s = 0; s < TableSlotsPerBlock; s++)
            {
                long i = tb * TableSlotsPerBlock + s;
                BinaryPrimitives.WriteInt64LittleEndian(img.AsSpan(MetaHeader.Size + 8 * s), i < table.Length ? table[i] : 0);
            }
        }
        di.DirDepth = newDepth;
        tx.MarkDirty(dir);
        return Errno.OK;
    }

    /// <summary>Removes <paramref name="name"/>; ENOENT when absent. Returns the inode it named.</summary>
    private Errno DirRemove(MetaTx tx, long dir, DinodeImage di, byte[] name, out long ino)
    {
        ino = 0;
        var e = FindEntry(tx, dir, di, name, DirHash.Of(name), out long lb, out int off, out _);
        if (!e.IsOk) return e;
        if (off < 0) return Errno.ENOENT;
        e = ReadLeaf(tx, lb, out var leaf);
        if (!e.IsOk) return e;
        ino = leaf.InoAt(off);
        leaf.RemoveAt(off);
        tx.MarkDirty(lb);
        di.Entries--;
        tx.MarkDirty(dir);
        return Errno.OK;
    }

    /// <summary>Calls <paramref name="visit"/> for every distinct leaf (and chained leaf) of the directory, in hash order.
    /// With <paramref name="verify"/> (fsck) also checks that each leaf owns an aligned run of slots of its depth and
    /// holds only names hashing into that run.</summary>
    internal Errno ForEachLeaf(MetaTx tx, long dir, DinodeImage di, long fromIndex, Func<long, DirLeaf, bool> visit, bool verify = false)
    {
        long n = 1L << di.DirDepth;
        for (long i = fromIndex; i < n;)
        {
            var e = GetSlot(tx, dir, di, i, out long lb);
            if (!e.IsOk) return e;
            e = ReadLeaf(tx, lb, out var leaf);
            if (!e.IsOk) return e;
            if (leaf.Depth > di.DirDepth) return Corrupt($"block {lb}: leaf depth {leaf.Depth} above table depth {di.DirDepth}");
            long span = 1L << (di.DirDepth - leaf.Depth);
            if (verify)
            {
                e = VerifyLeafRange(tx, dir, di, i, span, lb);
                if (!e.IsOk) return e;
            }
            long b = lb;
            for (int c = 0; ; c++)
            {
                if (verify)
                {
                    int end = DirLeaf.EntriesOffset + leaf.Used;
                    for (int off = DirLeaf.EntriesOffset; off < end; off += leaf.SizeAt(off))
                        if (DirHash.Index(leaf.HashAt(off), di.DirDepth) / span != i / span)
                            return Corrupt($"block {b}: entry '{leaf.NameStringAt(off)}' hashes outside the leaf's slots {i}..{i + span - 1}");
                }
                if (!visit(b, leaf)) return Errno.OK;
                if (leaf.Next == 0) break;
                if (c > 65536 || !IsDataBlock(leaf.Next) || di.DirDepth != MaxDirDepth) return Corrupt($"block {b}: bad leaf chain pointer {leaf.Next}");
                b = leaf.Next;
                e = ReadLeaf(tx, b, out leaf);
                if (!e.IsOk) return e;
            }
            i = (i & ~(span - 1)) + span;
        }
        return Errno.OK;
    }

    private Errno VerifyLeafRange(MetaTx tx, long dir, DinodeImage di, long first, long span, long leafBlock)
    {
        if ((first & (span - 1)) != 0) return Corrupt($"block {leafBlock}: directory {dir} leaf starts at unaligned slot {first}");
        for (long k = first + 1; k < first + span; k++)
        {
            var e = GetSlot(tx, dir, di, k, out long other);
            if (!e.IsOk) return e;
            if (other != leafBlock) return Corrupt($"block {leafBlock}: directory {dir} slot {k} points at {other}, expected this leaf");
        }
        return Errno.OK;
    }

    private Errno FreeDirLeaves(MetaTx tx, long dir, DinodeImage di)
    {
        var leaves = new List<long>();
        var e = ForEachLeaf(tx, dir, di, 0, (b, _) => { leaves.Add(b); return true; });
        if (!e.IsOk) return e;
        foreach (long b in leaves)
        {
            e = FreeBlock(tx, b);
            if (!e.IsOk) return e;
            di.Blocks--;
        }
        if (di.Height == 0) di.Data.Clear();
        return Errno.OK;
    }
}
