using System.Buffers.Binary;
using System.Text;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

// Extended attributes: one xattr block per inode, entries packed (name length u8, reserved u8,
// value length u16, name, value) after an entry count u16 and a used-bytes u16 at offset 32.
public sealed partial class Volume
{
    private const int XattrEntriesOffset = 36, XattrEntryHeader = 4;

    /// <summary>Largest value for a name of <paramref name="nameLength"/> bytes.</summary>
    public int MaxXattrValue(int nameLength) => BlockSize - XattrEntriesOffset - XattrEntryHeader - nameLength;

    private static int XUsed(byte[] img) => BinaryPrimitives.ReadUInt16LittleEndian(img.AsSpan(34));

    /// <summary>Checks an xattr block's entry area; null when well formed.</summary>
    internal static string? ValidateXattrs(byte[] img)
    {
        int count = BinaryPrimitives.ReadUInt16LittleEndian(img.AsSpan(32));
        int used = XUsed(img);
        if (used > img.Length - XattrEntriesOffset) return $"xattr used bytes {used} out of range";
        int off = XattrEntriesOffset, end = XattrEntriesOffset + used, n = 0;
        while (off < end)
        {
            if (off + XattrEntryHeader > end) return $"truncated xattr entry at offset {off}";
            int nl = img[off];
            int vl = BinaryPrimitives.ReadUInt16LittleEndian(img.AsSpan(off + 2));
            if (nl == 0 || off + XattrEntryHeader + nl + vl > end) return $"bad xattr entry lengths at offset {off}";
            off += XattrEntryHeader + nl + vl;
            n++;
        }
        return n == count ? null : $"xattr block says {count} entries, holds {n}";
    }

    private Errno ReadXattrBlock(MetaTx tx, long ino, DinodeImage di, out byte[]? img)
    {
        img = null;
        if (di.XattrBlock == 0) return Errno.OK;
        var e = tx.Read(di.XattrBlock, BlockType.Xattr, out var b);
        if (!e.IsOk) return e;
        string? problem = ValidateXattrs(b);
        if (problem is not null) return Corrupt($"block {di.XattrBlock}: {problem} (inode {ino})");
        img = b;
        return Errno.OK;
    }

    private static int FindXattr(byte[] img, ReadOnlySpan<byte> name)
    {
        int end = XattrEntriesOffset + XUsed(img);
        for (int off = XattrEntriesOffset; off < end;)
        {
            int nl = img[off];
            int vl = BinaryPrimitives.ReadUInt16LittleEndian(img.AsSpan(off + 2));
            if (img.AsSpan(off + XattrEntryHeader, nl).SequenceEqual(name)) return off;
            off += XattrEntryHeader + nl + vl;
        }
        return -1;
    }

    private static Errno CheckXattrName(string name, out byte[] bytes)
    {
        bytes = Encoding.UTF8.GetBytes(name);
        if (bytes.Length == 0) return Errno.EINVAL;
        return bytes.Length > 255 ? Errno.ERANGE : Errno.OK;
    }

    /// <summary>Copies the value of <paramref name="name"/> into <paramref name="buffer"/>: returns its length, or
    /// -ENODATA when absent, -ERANGE when the buffer is too small (an empty buffer asks for the size).</summary>
    public long GetXattr(long ino, string name, Span<byte> buffer)
    {
        var e = CheckXattrName(name, out var nb);
        if (!e.IsOk) return e.Negative;
        byte[]? value = null;
        e = Run(tx =>
        {
            var e = ReadDinode(tx, ino, out var di);
            if (!e.IsOk) return e;
            e = ReadXattrBlock(tx, ino, di, out var img);
            if (!e.IsOk) return e;
            int off = img is null ? -1 : FindXattr(img, nb);
            if (off < 0) return Errno.ENODATA;
            int vl = BinaryPrimitives.ReadUInt16LittleEndian(img!.AsSpan(off + 2));
            value = img.AsSpan(off + XattrEntryHeader + nb.Length, vl).ToArray();
            return Errno.OK;
        });
        if (!e.IsOk) return e.Negative;
        if (buffer.Length == 0) return value!.Length;
        if (buffer.Length < value!.Length) return Errno.ERANGE.Negative;
        value.CopyTo(buffer);
        return value.Length;
    }

    /// <summary>Lists the names, each NUL-terminated, into <paramref name="buffer"/>: returns the total length, or
    /// -ERANGE when the buffer is too small (an empty buffer asks for the size).</summary>
    public long ListXattr(long ino, Span<byte> buffer)
    {
        var list = new List<byte>();
        var e = Run(tx =>
        {
            var e = ReadDinode(tx, ino, out var di);
            if (!e.IsOk) return e;
            e = ReadXattrBlock(tx, ino, di, out var img);
            if (!e.IsOk || img is null) return e;
            int end = XattrEntriesOffset + XUsed(img);
            for (int off = XattrEntriesOffset; off < end;)
            {
                int nl = img[off];
                int vl = BinaryPrimitives.ReadUInt16LittleEndian(img.AsSpan(off + 2));
                list.AddRange(img.AsSpan(off + XattrEntryHeader, nl));
                list.Add(0);
                off += XattrEntryHeader + nl + vl;
            }
            return Errno.OK;
        });
        if (!e.IsOk) return e.Negative;
        if (buffer.Length == 0) return list.Count;
        if (buffer.Length < list.Count) return Errno.ERANGE.Negative;
        list.ToArray().CopyTo(buffer);
        return list.Count;
    }

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/>. EEXIST with <see cref="XattrFlags.Create"/> when
    /// present, ENODATA with <see cref="XattrFlags.Replace"/> when absent, ERANGE for a name over 255 bytes, E2BIG for a
    /// value over <see cref="MaxXattrValue"/>, ENOSPC when the inode's xattr block is full.</summary>
    public Errno SetXattr(long ino, string name, ReadOnlySpan<byte> value, XattrFlags flags)
    {
        var e = CheckXattrName(name, out var nb);
        if (!e.IsOk) return e;
        if (value.Length > MaxXattrValue(nb.Length)) return Errno.E2BIG;
        var v = value.ToArray();
        return Run(tx =>
        {
            var e = ReadDinode(tx, ino, out var di);
            if (!e.IsOk) return e;
            e = ReadXattrBlock(tx, ino, di, out var img);
            if (!e.IsOk) return e;
            int off = img is null ? -1 : FindXattr(img, nb);
            if (off >= 0 && flags.HasFlag(XattrFlags.Create)) return Errno.EEXIST;
            if (off < 0 && flags.HasFlag(XattrFlags.Replace)) return Errno.ENODATA;
            if (img is null)
            {
                e = AllocBlock(tx, ino, BlockState.Used, out long xb);
                if (!e.IsOk) return e;
                img = tx.Create(xb, BlockType.Xattr);
                di.XattrBlock = xb;
                di.Blocks++;
            }
            if (off >= 0) RemoveXattrAt(img, off);
            int used = XUsed(img);
            int need = XattrEntryHeader + nb.Length + v.Length;
            if (XattrEntriesOffset + used + need > BlockSize) return Errno.ENOSPC;
            int at = XattrEntriesOffset + used;
            img[at] = (byte)nb.Length;
            img[at + 1] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(img.AsSpan(at + 2), (ushort)v.Length);
            nb.CopyTo(img.AsSpan(at + XattrEntryHeader));
            v.CopyTo(img.AsSpan(at + XattrEntryHeader + nb.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(img.AsSpan(34), (ushort)(used + need));
            BinaryPrimitives.WriteUInt16LittleEndian(img.AsSpan(32), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(img.AsSpan(32)) + 1));
            tx.MarkDirty(di.XattrBlock);
            di.Ctime = Timestamp.Now;
            tx.MarkDirty(ino);
            return Errno.OK;
        });
    }

    /// <summary>Removes <paramref name="name"/>; ENODATA when absent. The block goes with the last attribute.</summary>
    public Errno RemoveXattr(long ino, string name)
    {
        var e = CheckXattrName(name, out var nb);
        if (!e.IsOk) return e;
        return Run(tx =>
        {
            var e = ReadDinode(tx, ino, out var di);
            if (!e.IsOk) return e;
            e = ReadXattrBlock(tx, ino, di, out var img);
            if (!e.IsOk) return e;
            int off = img is null ? -1 : FindXattr(img, nb);
            if (off < 0) return Errno.ENODATA;
            RemoveXattrAt(img!, off);
            if (XUsed(img!) == 0)
            {
                e = FreeBlock(tx, di.XattrBlock);
                if (!e.IsOk) return e;
                di.XattrBlock = 0;
                di.Blocks--;
            }
            else tx.MarkDirty(di.XattrBlock);
            di.Ctime = Timestamp.Now;
            tx.MarkDirty(ino);
            return Errno.OK;
        });
    }

    private static void RemoveXattrAt(byte[] img, int off)
    {
        int used = XUsed(img);
        int end = XattrEntriesOffset + used;
        int size = XattrEntryHeader + img[off] + BinaryPrimitives.ReadUInt16LittleEndian(img.AsSpan(off + 2));
        img.AsSpan(off + size, end - off - size).CopyTo(img.AsSpan(off));
        img.AsSpan(end - size, size).Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(img.AsSpan(34), (ushort)(used - size));
        BinaryPrimitives.WriteUInt16LittleEndian(img.AsSpan(32), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(img.AsSpan(32)) - 1));
    }
}
