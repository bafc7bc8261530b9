using System.Text;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Journal;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Crash;

/// <summary>fsck and dirty journals: -n checks the image as replayed without writing, -y replays then checks.</summary>
public class FsckJournalTests
{
    private const long Size = 4 << 20;

    /// <summary>An image with two files (f1 holding "hello") made durable, and a third create committed in the
    /// journal whose in-place writes were lost: every block outside the journal is as it was before that create.
    /// (Only the last transaction can be in that state: each commit flushes the earlier ones' in-place writes.)</summary>
    private static byte[] DirtyImage()
    {
        var dev = new MemoryBlockDevice(JournaledFs.FormatImage(Size));
        var loc = JournaledFs.JournalOf(dev);
        byte[] before;
        using (var vol = JournaledFs.Mount(dev, out _))
        {
            for (int i = 0; i < 2; i++) Assert.Equal(Errno.OK, vol.Create(vol.RootInode, $"f{i}", 0x81A4, 0, 0, out _));
            Assert.Equal(Errno.OK, vol.Lookup(vol.RootInode, "f1", out long f1));
            Assert.Equal(5, vol.WriteData(f1, 0, "hello"u8));
            before = dev.ToArray();
            Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "f2", 0x81A4, 0, 0, out _));
        }
        var crashed = before;
        int start = (int)loc.StartOffset, length = (int)(loc.LengthBlocks * loc.BlockSize);
        dev.ToArray().AsSpan(start, length).CopyTo(crashed.AsSpan(start));
        return crashed;
    }

    private static string DirtyLine(byte[] image)
    {
        var dev = new MemoryBlockDevice((byte[])image.Clone());
        var found = JournalReplay.Inspect(dev, JournaledFs.JournalOf(dev));
        Assert.True(found.WasDirty);
        Assert.True(found.TransactionsReplayed >= 1);
        return $"journal 0 is dirty ({found.TransactionsReplayed} transactions to replay)";
    }

    [Fact]
    public void Fsck_n_reports_a_dirty_journal_checks_the_image_as_replayed_and_writes_nothing()
    {
        var image = DirtyImage();
        var dev = new MemoryBlockDevice((byte[])image.Clone());
        var report = Fsck.Run(dev, null, repair: false);
        Assert.Null(report.OperationalError);
        Assert.Equal([DirtyLine(image)], report.Problems);
        // f2 only exists once the journal is replayed: the check saw the replayed image (root + 3 files).
        Assert.Equal(4, report.InodesChecked);
        Assert.Equal(FsckReport.ExitProblems, report.ExitCode);
        Assert.True(image.AsSpan().SequenceEqual(dev.ToArray()), "fsck -n wrote to the device");
    }

    [Fact]
    public void Fsck_y_replays_a_dirty_journal_then_checks_and_the_files_are_there()
    {
        var image = DirtyImage();
        var dev = new MemoryBlockDevice((byte[])image.Clone());
        var report = Fsck.Run(dev, new WriteThroughJournal(dev, JournaledFs.BlockSize), repair: true);
        Assert.Null(report.OperationalError);
        Assert.Equal([DirtyLine(image)], report.Problems);
        Assert.Equal(1, report.Repaired);
        Assert.False(JournalReplay.Inspect(dev, JournaledFs.JournalOf(dev)).WasDirty);
        Assert.True(Fsck.Run(dev, null, repair: false).Clean);
        using var vol = JournaledFs.Mount(dev, out _);
        Assert.Equal(Errno.OK, vol.Lookup(vol.RootInode, "f2", out _));
        Assert.Equal(Errno.OK, vol.Lookup(vol.RootInode, "f1", out long f1));
        var buf = new byte[16];
        Assert.Equal(5, vol.ReadData(f1, 0, buf));
        Assert.Equal("hello", Encoding.ASCII.GetString(buf, 0, 5));
    }

    [Fact]
    public void A_journal_without_a_valid_header_is_reported_and_fsck_n_still_writes_nothing()
    {
        var image = JournaledFs.FormatImage(Size);
        var dev = new MemoryBlockDevice(image);
        var loc = JournaledFs.JournalOf(dev);
        Assert.Equal(Errno.OK, dev.Write(loc.HeaderOffset(0), new byte[2 * loc.BlockSize]));
        var before = dev.ToArray();
        var report = Fsck.Run(dev, null, repair: false);
        Assert.Null(report.OperationalError);
        var line = Assert.Single(report.Problems);
        Assert.StartsWith("journal 0 cannot be replayed: journal blocks 0 and 1", line);
        Assert.True(before.AsSpan().SequenceEqual(dev.ToArray()));
    }

    [Fact]
    public void A_copy_on_write_device_shows_its_writes_and_leaves_the_inner_device_untouched()
    {
        var inner = new MemoryBlockDevice(8192);
        Assert.Equal(Errno.OK, inner.Write(0, Enumerable.Repeat((byte)1, 8192).ToArray()));
        var cow = new CopyOnWriteDevice(inner);
        Assert.Equal(Errno.OK, cow.Write(512, Enumerable.Repeat((byte)7, 1024).ToArray()));
        Assert.Equal(Errno.OK, cow.Discard(4096, 512));
        var buf = new byte[8192];
        Assert.Equal(Errno.OK, cow.Read(0, buf));
        for (int i = 0; i < buf.Length; i++)
        {
            byte want = i is >= 512 and < 1536 ? (byte)7 : i is >= 4096 and < 4608 ? (byte)0 : (byte)1;
            Assert.Equal(want, buf[i]);
        }
        Assert.All(inner.ToArray(), b => Assert.Equal(1, b));
        Assert.Equal(Errno.EINVAL, cow.Write(100, new byte[512]));
        Assert.Equal(3, cow.OverlaySectors);
    }
}
