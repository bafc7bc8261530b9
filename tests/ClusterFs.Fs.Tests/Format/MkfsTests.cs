using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

public class MkfsTests
{
    [Theory]
    [InlineData(1000)]
    [InlineData(256)]
    [InlineData(131072)]
    public void A_block_size_that_is_not_a_power_of_two_in_range_is_refused(int blockSize)
    {
        var dev = new MemoryBlockDevice(4 << 20);
        Assert.Equal(Errno.EINVAL, Mkfs.Format(dev, TestFs.Small() with { BlockSize = blockSize }, out var problem));
        Assert.Contains($"block size {blockSize}", problem);
        Assert.Equal(0, dev.Writes);
    }

    [Fact]
    public void A_device_too_small_for_the_journals_is_refused_with_the_size_needed()
    {
        var dev = new MemoryBlockDevice(1 << 20);
        Assert.Equal(Errno.EINVAL, Mkfs.Format(dev, new MkfsOptions(), out var problem));
        Assert.Contains("too small", problem);
        Assert.Equal(0, dev.Writes);
    }

    [Theory]
    [InlineData("nocolon")]
    [InlineData("a-very-long-cluster-name-that-goes-on-and-on:and-a-long-fs-name-too")]
    public void A_malformed_lock_table_is_refused(string table)
    {
        var dev = new MemoryBlockDevice(4 << 20);
        Assert.Equal(Errno.EINVAL, Mkfs.Format(dev, TestFs.Small() with { LockTable = table }, out var problem));
        Assert.Contains("lock table", problem);
    }

    [Fact]
    public void Journal_extents_and_resource_groups_do_not_overlap_and_cover_the_device()
    {
        var dev = TestFs.Format(16 << 20, TestFs.Small() with { Journals = 4 });
        using var vol = TestFs.Mount(dev);
        var ranges = new List<(long Start, long End)> { (0, 1), (1, 1 + vol.Sb.RindexBlockCount) };
        ranges.AddRange(vol.Sb.Journals.Select(j => (j.FirstBlock, j.FirstBlock + j.BlockCount)));
        ranges.AddRange(vol.Rindex.Select(r => (r.HeaderBlock, r.FirstDataBlock + (long)r.DataBlocks)));
        ranges.Sort();
        for (int i = 1; i < ranges.Count; i++) Assert.Equal(ranges[i - 1].End, ranges[i].Start);
        Assert.Equal(vol.Sb.BlockCount, ranges[^1].End);
    }

    [Fact]
    public void Mkfs_on_an_image_file_then_fsck_is_clean()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cfs-mkfs-{Guid.NewGuid():N}.img");
        try
        {
            Assert.Equal(Errno.OK, ImageFileDevice.CreateSparse(path, 64L << 20));
            using var dev = ImageFileDevice.Open(path, false, false, out _)!;
            Assert.Equal(Errno.OK, Mkfs.Format(dev, new MkfsOptions { JournalBytes = 8 << 20, Journals = 2 }, out _));
            var report = Fsck.Run(dev, null, repair: false);
            Assert.True(report.Clean, report.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
