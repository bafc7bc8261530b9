using ClusterFs.Fs.Format;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

public class FileDataTests
{
    private const uint Reg = FileTypeBits.S_IFREG | 0x1A4;

    [Fact]
    public void Growing_past_the_dinode_unstuffs_and_keeps_the_bytes()
    {
        var dev = TestFs.Format(8 << 20);
        using var vol = TestFs.Mount(dev);
        vol.Create(vol.RootInode, "f", Reg, 0, 0, out long f);
        var small = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        Assert.Equal(1000, vol.WriteData(f, 0, small));
        vol.GetAttr(f, out var a);
        Assert.Equal(0, a!.Height);
        Assert.Equal(3, vol.WriteData(f, 10_000, new byte[] { 1, 2, 3 }));
        vol.GetAttr(f, out a);
        Assert.Equal(1, a!.Height);
        var back = new byte[10_003];
        Assert.Equal(10_003, vol.ReadData(f, 0, back));
        Assert.Equal(small, back[..1000]);
        Assert.All(back[1000..10_000], b => Assert.Equal(0, b));
        Assert.Equal(new byte[] { 1, 2, 3 }, back[10_000..]);
        Assert.True(TestFs.Check(dev).Clean);
    }

    [Fact]
    public void Sparse_file_maps_holes_and_only_written_blocks_use_space()
    {
        var dev = TestFs.Format(16 << 20);
        using var vol = TestFs.Mount(dev);
        vol.Create(vol.RootInode, "sparse", Reg, 0, 0, out long f);
        long far = 3L << 30; // 3 GiB: needs a tree well beyond the dinode's direct pointers
        Assert.Equal(4, vol.WriteData(f, far, "tail"u8));
        Assert.Equal(4, vol.WriteData(f, 0, "head"u8));
        vol.GetAttr(f, out var a);
        Assert.Equal(far + 4, a!.Size);
        Assert.True(a.Height >= 2, $"height {a.Height}");
        Assert.True(a.Blocks < 10, $"{a.Blocks} blocks");
        Assert.Equal(Errno.OK, vol.Map(f, 1, 1000, out var hole));
        Assert.True(hole.IsHole);
        Assert.Equal(1000, hole.Length);
        var buf = new byte[8];
        Assert.Equal(8, vol.ReadData(f, far - 4, buf));
        Assert.Equal("\0\0\0\0tail"u8.ToArray(), buf);
        Assert.True(TestFs.Check(dev).Clean, TestFs.Check(dev).ToString());
        Assert.Equal(Errno.OK, vol.SetAttr(f, new SetAttrRequest { Size = 2 }));
        vol.GetAttr(f, out a);
        // Left: block 0 and the path of indirect blocks down to it (height - 1 of them).
        Assert.Equal(a!.Height, a.Blocks);
        Assert.Equal(2, vol.ReadData(f, 0, buf));
        Assert.Equal("he"u8.ToArray(), buf[..2]);
        Assert.True(TestFs.Check(dev).Clean, TestFs.Check(dev).ToString());
    }

    [Fact]
    public void Unwritten_blocks_read_as_zeroes_until_marked_written()
    {
        var dev = TestFs.Format(8 << 20);
        using var vol = TestFs.Mount(dev);
        vol.Create(vol.RootInode, "pre", Reg, 0, 0, out long f);
        Assert.Equal(Errno.OK, vol.AllocateRange(f, 0, 4, unwritten: true));
        Assert.Equal(Errno.OK, vol.SetAttr(f, new SetAttrRequest { Size = 4 * 4096 }));
        Assert.Equal(Errno.OK, vol.Map(f, 0, 10, out var m));
        Assert.True(m.Unwritten);
        Assert.Equal(4, m.Length);
        // Put garbage where the blocks are, as stale data would be: still zeroes through the file.
        Assert.Equal(Errno.OK, dev.Write(m.DeviceBlock * 4096, Enumerable.Repeat((byte)0xEE, 4 * 4096).ToArray()));
        var buf = new byte[4 * 4096];
        Assert.Equal(buf.Length, vol.ReadData(f, 0, buf));
        Assert.All(buf, b => Assert.Equal(0, b));
        Assert.Equal(Errno.OK, vol.MarkWritten(f, 1, 1));
        Assert.Equal(Errno.OK, vol.Map(f, 1, 1, out var w));
        Assert.False(w.Unwritten);
        Assert.Equal(m.DeviceBlock + 1, w.DeviceBlock);
        vol.ReadData(f, 0, buf);
        Assert.All(buf[4096..8192], b => Assert.Equal(0xEE, b));
        Assert.All(buf[..4096], b => Assert.Equal(0, b));
        Assert.True(TestFs.Check(dev).Clean);
    }

    [Fact]
    public void Punch_frees_blocks_in_the_middle_and_leaves_a_hole()
    {
        var dev = TestFs.Format(8 << 20);
        using var vol = TestFs.Mount(dev);
        vol.Create(vol.RootInode, "p", Reg, 0, 0, out long f);
        var data = Enumerable.Repeat((byte)7, 10 * 4096).ToArray();
        Assert.Equal(data.Length, vol.WriteData(f, 0, data));
        vol.CountFree(out long before);
        Assert.Equal(Errno.OK, vol.Punch(f, 2, 3));
        vol.CountFree(out long after);
        Assert.Equal(before + 3, after);
        Assert.Equal(Errno.OK, vol.Map(f, 2, 10, out var m));
        Assert.True(m.IsHole);
        Assert.Equal(3, m.Length);
        var buf = new byte[data.Length];
        vol.ReadData(f, 0, buf);
        Assert.All(buf[(2 * 4096)..(5 * 4096)], b => Assert.Equal(0, b));
        Assert.All(buf[(5 * 4096)..], b => Assert.Equal(7, b));
        Assert.True(TestFs.Check(dev).Clean);
    }

    [Fact]
    public void Truncate_zeroes_the_tail_so_a_later_extension_reads_zeroes()
    {
        var dev = TestFs.Format(8 << 20);
        using var vol = TestFs.Mount(dev);
        vol.Create(vol.RootInode, "t", Reg, 0, 0, out long f);
        vol.WriteData(f, 0, Enumerable.Repeat((byte)9, 3 * 4096).ToArray());
        Assert.Equal(Errno.OK, vol.SetAttr(f, new SetAttrRequest { Size = 5000 }));
        Assert.Equal(Errno.OK, vol.SetAttr(f, new SetAttrRequest { Size = 3 * 4096 }));
        var buf = new byte[3 * 4096];
        vol.ReadData(f, 0, buf);
        Assert.All(buf[..5000], b => Assert.Equal(9, b));
        Assert.All(buf[5000..], b => Assert.Equal(0, b));
        Assert.True(TestFs.Check(dev).Clean);
    }

    [Fact]
    public void Unstuff_moves_inline_bytes_to_a_mapped_block_without_changing_them()
    {
        var dev = TestFs.Format(8 << 20);
        using var vol = TestFs.Mount(dev);
        vol.Create(vol.RootInode, "u", Reg, 0, 0, out long f);
        vol.WriteData(f, 0, "inline bytes"u8);
        Assert.Equal(Errno.OK, vol.Map(f, 0, 1, out var before));
        Assert.True(before.IsHole);
        Assert.Equal(Errno.OK, vol.Unstuff(f));
        Assert.Equal(Errno.OK, vol.Map(f, 0, 1, out var after));
        Assert.False(after.IsHole);
        var raw = new byte[4096];
        Assert.Equal(Errno.OK, dev.Read(after.DeviceBlock * 4096, raw));
        Assert.Equal("inline bytes"u8.ToArray(), raw[..12]);
        var buf = new byte[12];
        Assert.Equal(12, vol.ReadData(f, 0, buf));
        Assert.Equal("inline bytes"u8.ToArray(), buf);
        Assert.Equal(Errno.EINVAL, vol.Unstuff(vol.RootInode));
        Assert.True(TestFs.Check(dev).Clean);
    }
}
