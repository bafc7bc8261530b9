using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Storage;

public class FaultInjectingDeviceTests
{
    private const int Sector = 512;

    private static byte[] Fill(int sectors, byte value) => Enumerable.Repeat(value, sectors * Sector).ToArray();

    private static byte[] ReadAll(IBlockDevice dev)
    {
        var buf = new byte[dev.Size];
        Assert.Equal(Errno.OK, dev.Read(0, buf));
        return buf;
    }

    [Fact]
    public void Unflushed_writes_are_visible_to_reads_but_reach_the_inner_device_only_at_flush()
    {
        var inner = new MemoryBlockDevice(8 * Sector);
        var dev = new FaultInjectingDevice(inner, seed: 1);
        Assert.Equal(Errno.OK, dev.Write(Sector, Fill(2, 7)));
        Assert.Equal(7, ReadAll(dev)[Sector]);
        Assert.Equal(0, inner.ToArray()[Sector]);
        Assert.Equal(Errno.OK, dev.Flush());
        Assert.Equal(7, inner.ToArray()[Sector]);
        Assert.Equal(0, dev.UnflushedWrites);
    }

    [Fact]
    public void Misaligned_or_out_of_range_requests_are_EINVAL_and_do_not_count_as_writes()
    {
        var dev = new FaultInjectingDevice(new MemoryBlockDevice(4 * Sector), seed: 1);
        Assert.Equal(Errno.EINVAL, dev.Write(100, Fill(1, 1)));
        Assert.Equal(Errno.EINVAL, dev.Write(4 * Sector, Fill(1, 1)));
        Assert.Equal(Errno.EINVAL, dev.Read(0, new byte[100]));
        Assert.Equal(0, dev.WritesIssued);
    }

    [Fact]
    public void A_failed_write_returns_its_error_and_changes_nothing()
    {
        var dev = new FaultInjectingDevice(new MemoryBlockDevice(4 * Sector), seed: 1);
        dev.FailWrite(1);
        Assert.Equal(Errno.OK, dev.Write(0, Fill(1, 1)));
        Assert.Equal(Errno.EIO, dev.Write(Sector, Fill(1, 2)));
        Assert.Equal(Errno.OK, dev.Write(2 * Sector, Fill(1, 3)));
        var all = ReadAll(dev);
        Assert.Equal(new byte[] { 1, 0, 3 }, new[] { all[0], all[Sector], all[2 * Sector] });
    }

    [Fact]
    public void A_torn_write_keeps_only_the_chosen_prefix_of_its_sectors()
    {
        var dev = new FaultInjectingDevice(new MemoryBlockDevice(8 * Sector), seed: 1);
        dev.TearWrite(0, sectorsKept: 2);
        Assert.Equal(Errno.OK, dev.Write(0, Fill(4, 9)));
        Assert.Equal(Errno.OK, dev.Flush());
        var all = ReadAll(dev);
        Assert.Equal(9, all[2 * Sector - 1]);
        Assert.Equal(0, all[2 * Sector]);
    }

    [Fact]
    public void Bad_ranges_fail_reads_and_writes_that_touch_them_only()
    {
        var dev = new FaultInjectingDevice(new MemoryBlockDevice(8 * Sector), seed: 1);
        dev.AddBadRange(2 * Sector, Sector, failReads: true, failWrites: false);
        dev.AddBadRange(5 * Sector, Sector, failReads: false, failWrites: true);
        Assert.Equal(Errno.EIO, dev.Read(Sector, new byte[2 * Sector]));
        Assert.Equal(Errno.OK, dev.Read(0, new byte[2 * Sector]));
        Assert.Equal(Errno.OK, dev.Write(2 * Sector, Fill(1, 1)));
        Assert.Equal(Errno.EIO, dev.Write(4 * Sector, Fill(2, 1)));
        Assert.Equal(Errno.OK, dev.Read(5 * Sector, new byte[Sector]));
    }

    [Fact]
    public void After_the_crash_write_every_call_fails_and_the_crash_image_keeps_flushed_data()
    {
        var inner = new MemoryBlockDevice(8 * Sector);
        var dev = new FaultInjectingDevice(inner, seed: 3);
        dev.CrashAtWrite(2);
        Assert.Equal(Errno.OK, dev.Write(0, Fill(1, 1)));
        Assert.Equal(Errno.OK, dev.Flush());
        Assert.Equal(Errno.OK, dev.Write(Sector, Fill(1, 2)));
        Assert.Equal(Errno.EIO, dev.Write(2 * Sector, Fill(1, 3)));
        Assert.True(dev.HasCrashed);
        Assert.Equal(Errno.EIO, dev.Flush());
        Assert.Equal(Errno.EIO, dev.Read(0, new byte[Sector]));
        Assert.Equal(1, dev.CrashImage()[0]);
    }

    [Fact]
    public void The_crash_image_is_reproducible_for_a_seed_and_repeated_calls_agree()
    {
        byte[] Run(int seed)
        {
            var dev = new FaultInjectingDevice(new MemoryBlockDevice(64 * Sector), seed);
            for (int i = 0; i < 32; i++) Assert.Equal(Errno.OK, dev.Write(i * 2 * Sector, Fill(2, (byte)(i + 1))));
            var first = dev.CrashImage();
            Assert.Equal(first, dev.CrashImage());
            return first;
        }
        Assert.Equal(Run(42), Run(42));
    }

    [Fact]
    public void Suffix_mode_loses_only_a_suffix_of_the_unflushed_writes()
    {
        for (int seed = 0; seed < 50; seed++)
        {
            var dev = new FaultInjectingDevice(new MemoryBlockDevice(16 * Sector), seed, CacheLossMode.LoseSuffix);
            for (int i = 0; i < 16; i++) Assert.Equal(Errno.OK, dev.Write(i * Sector, Fill(1, (byte)(i + 1))));
            var image = dev.CrashImage();
            // Once a write is missing, every later one is missing too (a torn last survivor counts as missing here
            // since each write is one sector).
            bool lost = false;
            for (int i = 0; i < 16; i++)
            {
                bool present = image[i * Sector] == i + 1;
                Assert.False(lost && present, $"seed {seed}: write {i} survived after an earlier one was lost");
                lost |= !present;
            }
        }
    }

    [Fact]
    public void Any_subset_mode_loses_writes_out_of_order_and_tears_multi_sector_writes()
    {
        bool sawHole = false, sawTear = false;
        for (int seed = 0; seed < 50 && !(sawHole && sawTear); seed++)
        {
            var dev = new FaultInjectingDevice(new MemoryBlockDevice(64 * Sector), seed, CacheLossMode.LoseAnySubset);
            for (int i = 0; i < 16; i++) Assert.Equal(Errno.OK, dev.Write(i * 4 * Sector, Fill(4, (byte)(i + 1))));
            var image = dev.CrashImage();
            for (int i = 0; i + 1 < 16; i++)
                sawHole |= image[i * 4 * Sector] == 0 && image[(i + 1) * 4 * Sector] == i + 2;
            for (int i = 0; i < 16; i++)
                sawTear |= image[i * 4 * Sector] == i + 1 && image[(i * 4 + 3) * Sector] == 0;
        }
        Assert.True(sawHole, "no seed lost an earlier write while keeping a later one");
        Assert.True(sawTear, "no seed tore a multi-sector write");
    }

    [Fact]
    public void Flushed_writes_always_survive_a_crash()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var dev = new FaultInjectingDevice(new MemoryBlockDevice(8 * Sector), seed);
            Assert.Equal(Errno.OK, dev.Write(0, Fill(4, 5)));
            Assert.Equal(Errno.OK, dev.Flush());
            Assert.Equal(Errno.OK, dev.Write(4 * Sector, Fill(4, 6)));
            var image = dev.CrashImage();
            Assert.All(image.AsSpan(0, 4 * Sector).ToArray(), b => Assert.Equal(5, b));
        }
    }

    [Fact]
    public void A_discard_is_cached_like_a_write_of_zeroes()
    {
        var inner = new MemoryBlockDevice(4 * Sector);
        Assert.Equal(Errno.OK, inner.Write(0, Fill(4, 1)));
        var dev = new FaultInjectingDevice(inner, seed: 1);
        Assert.Equal(Errno.OK, dev.Discard(Sector, 2 * Sector));
        var all = ReadAll(dev);
        Assert.Equal(new byte[] { 1, 0, 0, 1 }, new[] { all[0], all[Sector], all[2 * Sector], all[3 * Sector] });
        Assert.Equal(1, inner.ToArray()[Sector]);
        Assert.Equal(Errno.OK, dev.Flush());
        Assert.Equal(0, inner.ToArray()[Sector]);
    }

    [Fact]
    public void Crash_after_N_unflushed_writes_drops_the_write_that_would_exceed_N()
    {
        var dev = new FaultInjectingDevice(new MemoryBlockDevice(8 * Sector), seed: 1, CacheLossMode.LoseSuffix);
        dev.CrashAfterUnflushedWrites(2);
        Assert.Equal(Errno.OK, dev.Write(0, Fill(1, 1)));
        Assert.Equal(Errno.OK, dev.Write(Sector, Fill(1, 2)));
        Assert.Equal(Errno.OK, dev.Flush());
        Assert.Equal(Errno.OK, dev.Write(2 * Sector, Fill(1, 3)));
        Assert.Equal(Errno.OK, dev.Write(3 * Sector, Fill(1, 4)));
        Assert.Equal(Errno.EIO, dev.Write(4 * Sector, Fill(1, 5)));
        Assert.True(dev.HasCrashed);
        var image = dev.CrashImage();
        Assert.Equal(new byte[] { 1, 2, 0 }, new[] { image[0], image[Sector], image[4 * Sector] });
    }
}
