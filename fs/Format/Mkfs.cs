using System.Buffers.Binary;
using ClusterFs.Fs.Journal;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

/// <summary>Creates a filesystem: superblock, resource index, journals' extents, resource groups and the root
/// directory (docs/ondisk-format.md). The superblock is written last, so an interrupted mkfs leaves no
/// mountable half-filesystem.</summary>
public static class Mkfs
{
    /// <summary>Smallest useful resource group (data blocks).</summary>
    private const int MinRgrpData = 16;

    /// <summary>
    /// Formats <paramref name="device"/>. Returns OK, or EINVAL with <paramref name="problem"/> (bad block size,
    /// journal count, lock table, device too small for the journals and one resource group), or the device's errno.
    /// </summary>
    public static Errno Format(IBlockDevice device, MkfsOptions options, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        int bs = options.BlockSize;
        if (!Superblock.IsValidBlockSize(bs)) { problem = $"block size {bs} is not a power of two in 512..65536"; return Errno.EINVAL; }
        if (bs % device.SectorSize != 0) { problem = $"block size {bs} is smaller than the device's {device.SectorSize}-byte sectors"; return Errno.EINVAL; }
        int maxJ = Superblock.JournalCapacity(bs);
        if (options.Journals < 1 || options.Journals > maxJ) { problem = $"journal count {options.Journals} not in 1..{maxJ}"; return Errno.EINVAL; }
        if (!Superblock.FitsLockTable(options.LockTable) || !options.LockTable.Contains(':'))
        { problem = $"lock table '{options.LockTable}' must be CLUSTER:FSNAME, under 64 bytes"; return Errno.EINVAL; }
        long blockCount = device.Size / bs;
        long journalBlocks = Math.Max(8, options.JournalBytes / bs);
        long rgrpBlocks = Math.Max(MinRgrpData + 2, options.RgrpBytes / bs);
        int bpb = RindexEntry.BlocksPerBitmap(bs);
        int perRindex = RindexEntry.PerBlock(bs);

        long fixedBlocks = 1 + options.Journals * journalBlocks;
        long rindexBlocks = 1;
        var rgrps = new List<RindexEntry>();
        for (int attempt = 0; attempt < 4; attempt++)
        {
            rgrps.Clear();
            long at = fixedBlocks + rindexBlocks;
            while (blockCount - at >= MinRgrpData + 2)
            {
                long total = Math.Min(rgrpBlocks, blockCount - at);
                if (blockCount - at - total < MinRgrpData + 2) total = blockCount - at; // fold a runt into the last rgrp
                total = Math.Min(total, (long)int.MaxValue / 2);
                int bitmaps = (int)((total - 1 + bpb) / (bpb + 1));
                int data = (int)(total - 1 - bitmaps);
                rgrps.Add(new RindexEntry(at, at + 1 + bitmaps, data, bitmaps));
                at += total;
            }
            long need = Math.Max(1, (rgrps.Count + perRindex - 1) / perRindex);
            if (need == rindexBlocks) break;
            rindexBlocks = need;
        }
        if (rgrps.Count == 0)
        {
            long min = (fixedBlocks + rindexBlocks + MinRgrpData + 2) * bs;
            problem = $"device of {device.Size} bytes is too small: {options.Journals} journal(s) of {journalBlocks * bs} bytes need at least {min} bytes";
            return Errno.EINVAL;
        }

        var buf = new byte[bs];
        // Resource groups: headers and bitmaps. The root dinode and its first leaf take rgrp 0's first two data blocks.
        long root = rgrps[0].FirstDataBlock, rootLeaf = root + 1;
        for (int i = 0; i < rgrps.Count; i++)
        {
            var r = rgrps[i];
            MetaHeader.Init(buf, BlockType.RgrpHeader, r.HeaderBlock);
            var h = new RgrpHeader(buf)
            {
                Index = i, FirstDataBlock = r.FirstDataBlock, DataBlocks = r.DataBlocks, BitmapBlocks = r.BitmapBlocks,
                Free = r.DataBlocks - (i == 0 ? 2 : 0), Dinodes = i == 0 ? 1 : 0,
            };
            var e = WriteSealed(device, buf, r.HeaderBlock, out problem);
            if (!e.IsOk) return e;
            for (int b = 0; b < r.BitmapBlocks; b++)
            {
                MetaHeader.Init(buf, BlockType.Bitmap, r.HeaderBlock + 1 + b);
                if (i == 0 && b == 0)
                {
                    Bitmap.Set(buf, 0, BlockState.Dinode);
                    Bitmap.Set(buf, 1, BlockState.Used);
                }
                e = WriteSealed(device, buf, r.HeaderBlock + 1 + b, out problem);
                if (!e.IsOk) return e;
            }
        }
        // Resource index.
        for (long rb = 0; rb < rindexBlocks; rb++)
        {
            MetaHeader.Init(buf, BlockType.ResourceIndex, 1 + rb);
            for (int k = 0; k < perRindex && rb * perRindex + k < rgrps.Count; k++)
                rgrps[(int)(rb * perRindex + k)].Encode(buf.AsSpan(MetaHeader.Size + k * RindexEntry.Size));
            var e = WriteSealed(device, buf, 1 + rb, out problem);
            if (!e.IsOk) return e;
        }
        // Journals: each formatted clean, so a mount never has to guess whether a zeroed header means "new"
        // (auto-formatting at mount could hide an old image's unreplayed journal). The id tags every journal
        // block, so leftovers of an earlier filesystem on the same device are never replayed.
        var journals = new JournalExtent[options.Journals];
        for (int j = 0; j < options.Journals; j++)
        {
            long first = 1 + rindexBlocks + j * journalBlocks;
            journals[j] = new JournalExtent(first, journalBlocks);
            var e = MetadataJournal.Format(device, journals[j].ToLocation(bs), JournalId(options.Uuid, j));
            if (!e.IsOk) { problem = $"block {first}: formatting journal {j} failed: {e}"; return e; }
        }
        // Root directory: depth-0 table stuffed in the dinode, pointing at one empty leaf.
        MetaHeader.Init(buf, BlockType.DirLeaf, rootLeaf);
        var e2 = WriteSealed(device, buf, rootLeaf, out problem);
        if (!e2.IsOk) return e2;
        MetaHeader.Init(buf, BlockType.Dinode, root);
        var now = Timestamp.Now;
        var di = new DinodeImage(buf)
        {
            Mode = FileTypeBits.S_IFDIR | 0x1ED, Nlink = 2, Blocks = 1, Parent = root, Generation = 1,
            Atime = now, Mtime = now, Ctime = now,
        };
        BinaryPrimitives.WriteInt64LittleEndian(di.Data, rootLeaf);
        e2 = WriteSealed(device, buf, root, out problem);
        if (!e2.IsOk) return e2;

        var sb = new Superblock
        {
            BlockSize = bs, BlockCount = blockCount, Uuid = options.Uuid, LockProtocol = options.LockProtocol,
            LockTable = options.LockTable, RootInode = root, RindexFirstBlock = 1, RindexBlockCount = (int)rindexBlocks,
            RgrpCount = rgrps.Count, Journals = journals,
        };
        e2 = device.Flush();
        if (!e2.IsOk) { problem = $"flush failed: {e2}"; return e2; }
        sb.Encode(buf);
        e2 = WriteSealed(device, buf, 0, out problem);
        if (!e2.IsOk) return e2;
        e2 = device.Flush();
        problem = e2.IsOk ? null : $"flush failed: {e2}";
        return e2;
    }

    /// <summary>
    /// The id of journal <paramref name="index"/> of the filesystem <paramref name="uuid"/>: non-zero, distinct per
    /// journal of one filesystem, and different between filesystems (a splitmix64 mix of the UUID and the index).
    /// </summary>
    public static ulong JournalId(Guid uuid, int index)
    {
        Span<byte> raw = stackalloc byte[16];
        uuid.TryWriteBytes(raw);
        ulong lo = BinaryPrimitives.ReadUInt64LittleEndian(raw);
        ulong hi = BinaryPrimitives.ReadUInt64LittleEndian(raw[8..]);
        // Mix the UUID fully first, then add the index: the ids of one filesystem are then distinct
        // (the finaliser is a bijection of the sum, and the sums differ by the index).
        ulong x = Mix(Mix(lo) ^ hi) + (ulong)index;
        x = Mix(x);
        return x == 0 ? 1 : x;
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static Errno WriteSealed(IBlockDevice device, byte[] buf, long block, out string? problem)
    {
        MetaHeader.Seal(buf, block);
        var e = device.Write(block * buf.Length, buf);
        problem = e.IsOk ? null : $"block {block}: write failed: {e}";
        return e;
    }
}
