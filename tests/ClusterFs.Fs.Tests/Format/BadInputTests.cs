using System.Buffers.Binary;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

public class BadInputTests
{
    private static (Errno Mount, string? MountProblem, FsckReport Fsck) Try(MemoryBlockDevice dev)
    {
        var before = dev.Bytes.ToArray();
        int writes = dev.Writes;
        var e = Volume.Open(dev, new WriteThroughJournal(dev, 4096), null, out var vol, out var problem);
        vol?.Dispose();
        var report = Fsck.Run(dev, null, repair: false);
        Assert.Equal(writes, dev.Writes);
        Assert.Equal(before, dev.Bytes);
        return (e, problem, report);
    }

    [Fact]
    public void Wrong_magic_fails_mount_and_fsck_naming_block_0_and_writes_nothing()
    {
        var dev = TestFs.Format(4 << 20);
        dev.Bytes[0] ^= 0xFF;
        var (e, problem, fsck) = Try(dev);
        Assert.Equal(Errno.EINVAL, e);
        Assert.StartsWith("block 0: not a ClusterFs superblock", problem);
        Assert.Equal(FsckReport.ExitOperational, fsck.ExitCode);
        Assert.StartsWith("block 0:", fsck.OperationalError);
    }

    [Fact]
    public void An_unknown_version_is_refused_with_the_version_named()
    {
        var dev = TestFs.Format(4 << 20);
        FsckDamageTests.EditBlock(dev, 0, img => BinaryPrimitives.WriteInt32LittleEndian(img.AsSpan(32), 9));
        var (e, problem, fsck) = Try(dev);
        Assert.Equal(Errno.EINVAL, e);
        Assert.Equal("block 0: unknown format version 9 (this build reads 1)", problem);
        Assert.Equal(problem, fsck.OperationalError);
    }

    [Fact]
    public void A_superblock_checksum_mismatch_is_refused()
    {
        var dev = TestFs.Format(4 << 20);
        dev.Bytes[100] ^= 1; // inside the lock table, checksum not updated
        var (e, problem, _) = Try(dev);
        Assert.Equal(Errno.EUCLEAN, e);
        Assert.StartsWith("block 0: checksum mismatch", problem);
    }

    [Fact]
    public void A_truncated_image_is_refused_because_the_superblock_claims_more_blocks()
    {
        var full = TestFs.Format(4 << 20);
        var cut = new MemoryBlockDevice(3 << 20);
        full.Bytes.AsSpan(0, 3 << 20).CopyTo(cut.Bytes);
        var (e, problem, fsck) = Try(cut);
        Assert.Equal(Errno.EUCLEAN, e);
        Assert.Contains("claims 1024 blocks", problem);
        Assert.StartsWith("block 0:", fsck.OperationalError);
    }

    [Fact]
    public void A_corrupt_resource_index_is_refused_naming_its_block()
    {
        var dev = TestFs.Format(4 << 20);
        FsckDamageTests.EditBlock(dev, 1, img => img[40] ^= 1, reseal: false);
        var (e, problem, _) = Try(dev);
        Assert.Equal(Errno.EUCLEAN, e);
        Assert.StartsWith("block 1: checksum mismatch", problem);
    }

    [Fact]
    public void An_empty_or_tiny_device_is_refused_without_exceptions()
    {
        var (e, problem, fsck) = Try(new MemoryBlockDevice(4096));
        Assert.Equal(Errno.EINVAL, e);
        Assert.NotNull(problem);
        Assert.Equal(FsckReport.ExitOperational, fsck.ExitCode);
    }

    [Fact]
    public void A_journal_extent_overlapping_the_resource_groups_is_refused()
    {
        var dev = TestFs.Format(4 << 20);
        using (var vol = TestFs.Mount(dev))
        {
            long rgrp0 = vol.Rindex[0].HeaderBlock;
            FsckDamageTests.EditBlock(dev, 0, img => BinaryPrimitives.WriteInt64LittleEndian(img.AsSpan(192), rgrp0));
        }
        var (e, problem, _) = Try(dev);
        Assert.Equal(Errno.EUCLEAN, e);
        Assert.Contains("resource index entry 0 is invalid", problem);
    }
}
