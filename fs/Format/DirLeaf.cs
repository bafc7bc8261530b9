using System.Buffers.Binary;
using System.Text;

namespace ClusterFs.Fs.Format;

/// <summary>Accessors for a directory leaf image: depth, count, used bytes, chain pointer and packed entries
/// (hash u64, inode u64, d_type u8, name length u8, name).</summary>
internal readonly struct DirLeaf(byte[] image)
{
    public const int EntriesOffset = 48;
    public const int EntryHeader = 18;

    public byte[] Image => image;
    public int Depth { get => BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(32)); set => BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(32), (ushort)value); }
    public int Count { get => BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(34)); set => BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(34), (ushort)value); }
    public int Used { get => BinaryPrimitives.ReadInt32LittleEndian(image.AsSpan(36)); set => BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(36), value); }
    public long Next { get => BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(40)); set => BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(40), value); }
    public int Free => image.Length - EntriesOffset - Used;

    /// <summary>Checks the entry area is well formed; null when it is, else what is wrong.</summary>
    public string? Validate(int maxDepth)
    {
        if (Depth > maxDepth) return $"leaf depth {Depth} exceeds {maxDepth}";
        if (Used < 0 || Used > image.Length - EntriesOffset) return $"leaf used bytes {Used} out of range";
        int off = EntriesOffset, n = 0, end = EntriesOffset + Used;
        while (off < end)
        {
            if (off + EntryHeader > end) return $"truncated entry at offset {off}";
            int len = image[off + 17];
            if (len == 0 || off + EntryHeader + len > end) return $"bad name length {len} at offset {off}";
            var name = image.AsSpan(off + EntryHeader, len);
            if (name.IndexOfAny((byte)0, (byte)'/') >= 0) return $"name with '/' or NUL at offset {off}";
            if (DirHash.Of(name) != HashAt(off)) return $"entry at offset {off} has a hash that does not match its name";
            off += EntryHeader + len;
            n++;
        }
        return n == Count ? null : $"leaf says {Count} entries, holds {n}";
    }

    public long HashAt(int off) => BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(off));
    public long InoAt(int off) => BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(off + 8));
    public void SetInoAt(int off, long ino) => BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(off + 8), ino);
    public byte TypeAt(int off) => image[off + 16];
    public void SetTypeAt(int off, byte t) => image[off + 16] = t;
    public ReadOnlySpan<byte> NameAt(int off) => image.AsSpan(off + EntryHeader, image[off + 17]);
    public string NameStringAt(int off) => Encoding.UTF8.GetString(NameAt(off));
    public int SizeAt(int off) => EntryHeader + image[off + 17];

    /// <summary>Offset of the entry named <paramref name="name"/>, or -1. With <paramref name="sameHash"/> set when another name shares the hash.</summary>
    public int Find(ReadOnlySpan<byte> name, long hash, out bool sameHash)
    {
        sameHash = false;
        int end = EntriesOffset + Used;
        for (int off = EntriesOffset; off < end; off += SizeAt(off))
        {
            if (HashAt(off) != hash) continue;
            if (NameAt(off).SequenceEqual(name)) return off;
            sameHash = true;
        }
        return -1;
    }

    /// <summary>Appends an entry; the caller checked <see cref="Free"/>.</summary>
    public void Append(long hash, long ino, byte dtype, ReadOnlySpan<byte> name)
    {
        int off = EntriesOffset + Used;
        BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(off), hash);
        BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(off + 8), ino);
        image[off + 16] = dtype;
        image[off + 17] = (byte)name.Length;
        name.CopyTo(image.AsSpan(off + EntryHeader));
        Used += EntryHeader + name.Length;
        Count++;
    }

    /// <summary>Removes the entry at <paramref name="off"/>, closing the gap.</summary>
    public void RemoveAt(int off)
    {
        int size = SizeAt(off);
        int end = EntriesOffset + Used;
        image.AsSpan(off + size, end - off - size).CopyTo(image.AsSpan(off));
        image.AsSpan(end - size, size).Clear();
        Used -= size;
        Count--;
    }
}
