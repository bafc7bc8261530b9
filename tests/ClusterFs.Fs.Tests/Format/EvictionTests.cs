using ClusterFs.Fs.Format;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

public class EvictionTests
{
    private const uint Reg = FileTypeBits.S_IFREG | 0x1A4;

    [Fact]
    public void Unlinking_a_file_bigger_than_one_transaction_frees_every_block()
    {
        var dev = TestFs.Format(64 << 20, TestFs.Small(blockSize: 1024, rgrpBytes: 4 << 20));
        using var vol = TestFs.Mount(dev);
        vol.CountFree(out long free0);
        Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "big", Reg, 0, 0, out long f));
        Assert.Equal(Errno.OK, vol.AllocateRange(f, 0, 3 * Volume.PunchBudget + 17, unwritten: true));
        var commitsBefore = ((ClusterFs.Fs.Storage.WriteThroughJournal)vol.Journal!).Commits;
        Assert.Equal(Errno.OK, vol.Unlink(vol.RootInode, "big"));
        var commits = ((ClusterFs.Fs.Storage.WriteThroughJournal)vol.Journal!).Commits - commitsBefore;
        Assert.True(commits >= 4, $"{commits} transactions"); // the unlink, three bounded frees, the dinode
        vol.CountFree(out long free1);
        Assert.Equal(free0, free1);
        Assert.Equal(Errno.ESTALE, vol.GetAttr(f, out _));
        Assert.True(TestFs.Check(dev).Clean, TestFs.Check(dev).ToString());
    }

    [Fact]
    public void Truncating_a_big_file_frees_blocks_in_bounded_transactions()
    {
        var dev = TestFs.Format(64 << 20, TestFs.Small(blockSize: 1024, rgrpBytes: 4 << 20));
        using var vol = TestFs.Mount(dev);
        Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "t", Reg, 0, 0, out long f));
        long blocks = 2 * Volume.PunchBudget + 5;
        Assert.Equal(Errno.OK, vol.AllocateRange(f, 0, blocks, unwritten: true));
        Assert.Equal(Errno.OK, vol.SetAttr(f, new SetAttrRequest { Size = blocks * 1024 }));
        Assert.Equal(Errno.OK, vol.SetAttr(f, new SetAttrRequest { Size = 1024 }));
        vol.GetAttr(f, out var a);
        Assert.Equal(1024, a!.Size);
        Assert.Equal(Errno.OK, vol.Map(f, 0, 1, out var m));
        Assert.False(m.IsHole);
        Assert.Equal(Errno.OK, vol.Map(f, 1, 10, out var rest));
        Assert.True(rest.IsHole);
        Assert.True(TestFs.Check(dev).Clean, TestFs.Check(dev).ToString());
    }

    [Fact]
    public void An_unlinked_inode_left_behind_by_a_crash_is_reported_and_reclaimed_by_fsck_y()
    {
        var dev = TestFs.Format(8 << 20);
        long free0;
        using (var vol = TestFs.Mount(dev))
        {
            vol.CountFree(out free0);
            vol.Create(vol.RootInode, "orphan", Reg, 0, 0, out long f);
            vol.WriteData(f, 0, new byte[40_000]);
            vol.IsInUse = _ => true; // still open when the node dies
            Assert.Equal(Errno.OK, vol.Unlink(vol.RootInode, "orphan"));
        }
        var report = TestFs.Check(dev);
        Assert.Equal(FsckReport.ExitProblems, report.ExitCode);
        Assert.Contains(report.Problems, p => p.Contains("marked Unlinked") && p.Contains("leaked"));
        TestFs.Check(dev, repair: true);
        Assert.True(TestFs.Check(dev).Clean);
        using var after = TestFs.Mount(dev);
        after.CountFree(out long free1);
        Assert.Equal(free0, free1);
    }
}
