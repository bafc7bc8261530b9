using System.Buffers.Binary;
using ClusterFs.Fs.Format;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

public class FsckDamageTests
{
    private const int Bs = 4096;

    /// <summary>An image with files, a directory, a hard link, a symlink, xattrs and a big file.</summary>
    internal static (MemoryBlockDevice Dev, long File, long Dir) Populated()
    {
        var dev = TestFs.Format(8 << 20, TestFs.Small(rgrpBytes: 256 * 4096));
        using var vol = TestFs.Mount(dev);
        long root = vol.RootInode;
        vol.Create(root, "d", FileTypeBits.S_IFDIR | 0x1ED, 0, 0, out long d);
        vol.Create(d, "f", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out long f);
        vol.WriteData(f, 0, new byte[30_000]);
        vol.Link(f, root, "f-link");
        vol.Symlink(root, "s", "d/f", 0, 0, out _);
        vol.SetXattr(f, "user.k", "v"u8, XattrFlags.None);
        for (int i = 0; i < 50; i++) vol.Create(d, $"n{i}", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out _);
        return (dev, f, d);
    }

    internal static void EditBlock(MemoryBlockDevice dev, long block, Action<byte[]> edit, bool reseal = true)
    {
        var img = dev.Bytes.AsSpan((int)(block * Bs), Bs).ToArray();
        edit(img);
        if (reseal) MetaHeader.Reseal(img);
        img.CopyTo(dev.Bytes.AsSpan((int)(block * Bs)));
    }

    [Fact]
    public void A_populated_image_is_clean()
    {
        var (dev, _, _) = Populated();
        var r = TestFs.Check(dev);
        Assert.True(r.Clean, r.ToString());
        Assert.True(r.InodesChecked >= 53);
    }

    [Fact]
    public void A_leaked_block_in_the_bitmap_is_reported_by_number_and_repaired_with_y()
    {
        var (dev, _, _) = Populated();
        using var vol = TestFs.Mount(dev);
        var last = vol.Rindex[^1];
        long leaked = last.FirstDataBlock + last.DataBlocks - 1; // certainly unused
        EditBlock(dev, last.HeaderBlock + 1 + (last.DataBlocks - 1) / RindexEntry.BlocksPerBitmap(Bs),
            img => img[MetaHeader.Size + (last.DataBlocks - 1) % RindexEntry.BlocksPerBitmap(Bs) / 4] |= (byte)(1 << (2 * ((last.DataBlocks - 1) % 4))));
        var before = dev.Bytes.ToArray();
        var r = TestFs.Check(dev);
        Assert.Equal(FsckReport.ExitProblems, r.ExitCode);
        Assert.Contains(r.Problems, p => p.StartsWith($"block {leaked}:", StringComparison.Ordinal) && p.Contains("leaked"));
        Assert.Equal(before, dev.Bytes); // -n wrote nothing
        var fixedReport = TestFs.Check(dev, repair: true);
        Assert.True(fixedReport.Repaired > 0);
        Assert.True(TestFs.Check(dev).Clean, TestFs.Check(dev).ToString());
    }

    [Fact]
    public void A_block_in_use_but_free_in_the_bitmap_is_reported_and_repaired()
    {
        var (dev, file, _) = Populated();
        using var vol = TestFs.Mount(dev);
        var r0 = vol.Rindex[vol.RgrpOf(file)];
        int bit = (int)(file - r0.FirstDataBlock);
        EditBlock(dev, r0.HeaderBlock + 1, img => img[MetaHeader.Size + bit / 4] &= (byte)~(3 << (2 * (bit % 4))));
        var r = TestFs.Check(dev);
        Assert.Contains(r.Problems, p => p.StartsWith($"block {file}:", StringComparison.Ordinal) && p.Contains("free in bitmap"));
        TestFs.Check(dev, repair: true);
        Assert.True(TestFs.Check(dev).Clean);
    }

    [Fact]
    public void A_wrong_link_count_is_reported_for_the_inode_and_repaired()
    {
        var (dev, file, _) = Populated();
        EditBlock(dev, file, img => BinaryPrimitives.WriteUInt32LittleEndian(img.AsSpan(44), 7));
        var r = TestFs.Check(dev);
        Assert.Equal(new[] { $"inode {file}: link count 7, expected 2" }, r.Problems);
        var repaired = TestFs.Check(dev, repair: true);
        Assert.Equal(1, repaired.Repaired);
        Assert.True(TestFs.Check(dev).Clean);
        using var vol = TestFs.Mount(dev);
        vol.GetAttr(file, out var a);
        Assert.Equal(2u, a!.Nlink);
    }

    [Fact]
    public void A_checksum_mismatch_is_reported_naming_the_block_and_reads_of_it_give_EUCLEAN()
    {
        var (dev, file, dir) = Populated();
        EditBlock(dev, file, img => img[40] ^= 0x10, reseal: false);
        var r = TestFs.Check(dev);
        Assert.Equal(FsckReport.ExitProblems, r.ExitCode);
        Assert.Contains(r.Problems, p => p.Contains($"block {file}: checksum mismatch", StringComparison.Ordinal));
        using var vol = TestFs.Mount(dev);
        Assert.Equal(Errno.EUCLEAN, vol.GetAttr(file, out _));
        Assert.Contains($"block {file}", vol.LastError);
        Assert.Equal(Errno.OK, vol.GetAttr(dir, out _)); // the rest of the filesystem still works
    }

    [Fact]
    public void A_directory_entry_moved_to_the_wrong_leaf_is_reported()
    {
        var dev = TestFs.Format(8 << 20);
        long dir;
        using (var vol = TestFs.Mount(dev))
        {
            vol.Create(vol.RootInode, "d", FileTypeBits.S_IFDIR | 0x1ED, 0, 0, out dir);
            vol.Create(dir, "target", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out long t);
            for (int i = 0; i < 600; i++) vol.Link(t, dir, $"link-{i}");
            vol.GetAttr(dir, out var a);
            Assert.True(a!.Blocks > 4); // several leaves
        }
        var leaves = new List<long>();
        for (long b = 0; b < dev.Size / Bs; b++)
        {
            var span = dev.Bytes.AsSpan((int)(b * Bs), Bs);
            if (MetaHeader.Verify(span, b, BlockType.DirLeaf, out _).IsOk && BinaryPrimitives.ReadUInt16LittleEndian(span[34..]) > 0) leaves.Add(b);
        }
        Assert.True(leaves.Count >= 3);
        // Move the first entry of leaf A into leaf B (appending it), keeping both leaves well formed.
        long la = leaves[1], lb = leaves[2];
        byte[] entry = [];
        EditBlock(dev, la, img =>
        {
            var leaf = new DirLeafProbe(img);
            entry = leaf.TakeFirst();
        });
        EditBlock(dev, lb, img => new DirLeafProbe(img).Append(entry));
        var r = TestFs.Check(dev);
        Assert.Contains(r.Problems, p => p.Contains("hashes outside the leaf's slots"));
    }

    [Fact]
    public void A_bitmap_or_rgrp_header_with_a_bad_checksum_is_rebuilt_from_reachable_blocks_by_y()
    {
        var (dev, file, _) = Populated();
        long free0;
        RindexEntry r0;
        using (var vol = TestFs.Mount(dev))
        {
            vol.CountFree(out free0);
            r0 = vol.Rindex[vol.RgrpOf(file)];
        }
        EditBlock(dev, r0.HeaderBlock + 1, img => img[MetaHeader.Size + 3] ^= 0xFF, reseal: false);
        EditBlock(dev, r0.HeaderBlock, img => img[52] ^= 0x01, reseal: false);
        var r = TestFs.Check(dev);
        Assert.True(r.Problems.Any(p => p.StartsWith($"block {r0.HeaderBlock + 1}: checksum mismatch", StringComparison.Ordinal)), r.ToString());
        Assert.Contains(r.Problems, p => p.StartsWith($"block {r0.HeaderBlock}: checksum mismatch", StringComparison.Ordinal));
        var repaired = TestFs.Check(dev, repair: true);
        Assert.True(repaired.Repaired >= 2, repaired.ToString());
        var after = TestFs.Check(dev);
        Assert.True(after.Clean, after.ToString());
        using var again = TestFs.Mount(dev);
        again.CountFree(out long free1);
        Assert.Equal(free0, free1);
    }

    [Fact]
    public void With_an_unreadable_directory_fsck_y_frees_nothing_and_lowers_no_link_count()
    {
        var (dev, file, dir) = Populated();
        long free0;
        using (var vol = TestFs.Mount(dev)) vol.CountFree(out free0);
        EditBlock(dev, dir, img => img[40] ^= 0x10, reseal: false); // directory d: its 51 files become unreachable
        var before = TestFs.Check(dev);
        Assert.Contains(before.Problems, p => p.Contains("leaked"));
        Assert.Contains(before.Problems, p => p.StartsWith($"inode {file}: link count 2, expected 1", StringComparison.Ordinal));
        TestFs.Check(dev, repair: true);
        using var after = TestFs.Mount(dev);
        after.CountFree(out long free1);
        Assert.Equal(free0, free1);
        after.GetAttr(file, out var a);
        Assert.Equal(2u, a!.Nlink);
    }

    /// <summary>Raw edits of a directory leaf image for damage tests.</summary>
    private sealed class DirLeafProbe(byte[] img)
    {
        private int Used { get => BinaryPrimitives.ReadInt32LittleEndian(img.AsSpan(36)); set => BinaryPrimitives.WriteInt32LittleEndian(img.AsSpan(36), value); }
        private int Count { get => BinaryPrimitives.ReadUInt16LittleEndian(img.AsSpan(34)); set => BinaryPrimitives.WriteUInt16LittleEndian(img.AsSpan(34), (ushort)value); }

        public byte[] TakeFirst()
        {
            int size = 18 + img[48 + 17];
            var entry = img.AsSpan(48, size).ToArray();
            img.AsSpan(48 + size, Used - size).CopyTo(img.AsSpan(48));
            Used -= size;
            Count--;
            return entry;
        }

        public void Append(byte[] entry)
        {
            entry.CopyTo(img.AsSpan(48 + Used));
            Used += entry.Length;
            Count++;
        }
    }
}
