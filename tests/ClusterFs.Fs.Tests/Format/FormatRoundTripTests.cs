using ClusterFs.Fs.Format;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

public class FormatRoundTripTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    [InlineData(65536)]
    public void Mkfs_then_open_reads_back_every_superblock_field_and_fsck_is_clean(int blockSize)
    {
        var uuid = Guid.NewGuid();
        var opts = TestFs.Small(blockSize, rgrpBytes: 64L * blockSize) with { Journals = 3, LockTable = "alpha:beta", Uuid = uuid };
        var dev = TestFs.Format(1024L * blockSize, opts);
        using var vol = TestFs.Mount(dev);
        Assert.Equal(blockSize, vol.Sb.BlockSize);
        Assert.Equal(1024, vol.Sb.BlockCount);
        Assert.Equal(uuid, vol.Sb.Uuid);
        Assert.Equal("alpha:beta", vol.Sb.LockTable);
        Assert.Equal("lock_nolock", vol.Sb.LockProtocol);
        Assert.Equal(3, vol.Sb.Journals.Count);
        Assert.All(vol.Sb.Journals, j => Assert.Equal(64, j.BlockCount));
        Assert.Equal(Errno.OK, vol.GetAttr(vol.RootInode, out var root));
        Assert.True(FileTypeBits.IsDir(root!.Mode));
        Assert.Equal(2u, root.Nlink);
        Assert.True(vol.Rindex.Count > 1);
        var report = TestFs.Check(dev);
        Assert.True(report.Clean, report.ToString());
    }

    [Fact]
    public void Attributes_and_stuffed_content_survive_a_remount()
    {
        var dev = TestFs.Format(4 << 20);
        long ino;
        using (var vol = TestFs.Mount(dev))
        {
            Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "f", FileTypeBits.S_IFREG | 0x1A4, 1000, 100, out ino));
            Assert.Equal(5, vol.WriteData(ino, 0, "hello"u8));
            var t = new Timestamp(1_700_000_000, 123_456_789);
            Assert.Equal(Errno.OK, vol.SetAttr(ino, new SetAttrRequest { Mtime = t, Atime = t, Mode = 0x180 }));
        }
        using (var vol = TestFs.Mount(dev))
        {
            Assert.Equal(Errno.OK, vol.Lookup(vol.RootInode, "f", out long found));
            Assert.Equal(ino, found);
            Assert.Equal(Errno.OK, vol.GetAttr(ino, out var a));
            Assert.Equal(FileTypeBits.S_IFREG | 0x180, a!.Mode);
            Assert.Equal((1000u, 100u, 5L, 1u), (a.Uid, a.Gid, a.Size, a.Nlink));
            Assert.Equal(new Timestamp(1_700_000_000, 123_456_789), a.Mtime);
            Assert.Equal(0, a.Height);
            var buf = new byte[10];
            Assert.Equal(5, vol.ReadData(ino, 0, buf));
            Assert.Equal("hello"u8.ToArray(), buf[..5]);
        }
        Assert.True(TestFs.Check(dev).Clean);
    }

    [Fact]
    public void Allocation_fills_one_resource_group_then_spills_into_the_next()
    {
        var dev = TestFs.Format(8 << 20, TestFs.Small(rgrpBytes: 64 * 4096));
        using var vol = TestFs.Mount(dev);
        Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "big", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out long ino));
        int first = vol.RgrpOf(ino);
        long blocksInFirst = vol.Rindex[first].DataBlocks;
        Assert.Equal(Errno.OK, vol.AllocateRange(ino, 0, blocksInFirst + 10, unwritten: true));
        var rgrpsUsed = new HashSet<int>();
        long prev = -1;
        int discontinuities = 0;
        for (long fb = 0; fb < blocksInFirst + 10; fb++)
        {
            Assert.Equal(Errno.OK, vol.Map(ino, fb, 1, out var m));
            Assert.False(m.IsHole);
            Assert.True(m.Unwritten);
            rgrpsUsed.Add(vol.RgrpOf(m.DeviceBlock));
            if (prev >= 0 && m.DeviceBlock != prev + 1) discontinuities++;
            prev = m.DeviceBlock;
        }
        Assert.Contains(first, rgrpsUsed);
        Assert.Contains(first + 1, rgrpsUsed);
        // Contiguous except where the tree's indirect blocks and rgrp boundaries interrupt the run.
        Assert.True(discontinuities <= 3, $"{discontinuities} discontinuities");
        Assert.True(TestFs.Check(dev).Clean, TestFs.Check(dev).ToString());
    }

    [Fact]
    public void A_full_filesystem_reports_ENOSPC_and_stays_consistent()
    {
        var dev = TestFs.Format(2 << 20, TestFs.Small(rgrpBytes: 64 * 4096));
        using var vol = TestFs.Mount(dev);
        Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "f", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out long ino));
        Assert.Equal(Errno.ENOSPC, vol.AllocateRange(ino, 0, 1 << 20, unwritten: false));
        // The failed transaction allocated nothing; single blocks then fill what is left.
        Assert.Equal(Errno.OK, vol.CountFree(out long before));
        Assert.True(before > 0);
        long fb = 0;
        while (vol.AllocateRange(ino, fb, 1, unwritten: false) == Errno.OK) fb++;
        Assert.Equal(Errno.OK, vol.CountFree(out long free));
        Assert.True(free <= 1, $"{free} blocks left free"); // the last block may need an indirect block too
        var report = TestFs.Check(dev);
        Assert.True(report.Clean, report.ToString());
    }
}
