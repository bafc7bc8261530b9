using System.Buffers.Binary;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

/// <summary>A corrupt dinode met at run time (by a mounted volume, not fsck) fails the operations on that file with
/// EUCLEAN (or EIO from the device) and a logged error naming the block; nothing throws, other files still work.</summary>
public class RuntimeCorruptionTests
{
    private const int Bs = 4096;

    /// <summary>A file of 30,000 bytes (so it has a block tree) and a small stuffed neighbour.</summary>
    private static (MemoryBlockDevice Dev, long File, long Other) TwoFiles()
    {
        var dev = TestFs.Format(8 << 20);
        using var vol = TestFs.Mount(dev);
        Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "victim", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out long file));
        Assert.Equal(30_000, vol.WriteData(file, 0, new byte[30_000]));
        Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "other", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out long other));
        Assert.Equal(5, vol.WriteData(other, 0, "fine!"u8));
        return (dev, file, other);
    }

    public static TheoryData<string> Corruptions => ["checksum", "height", "file type", "negative size", "pointer outside"];

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Operations_on_a_corrupt_dinode_return_EUCLEAN_and_log_the_block(string corruption)
    {
        var (dev, file, other) = TwoFiles();
        FsckDamageTests.EditBlock(dev, file, img =>
        {
            switch (corruption)
            {
                case "checksum": img[DinodeImage.DataOffset + 3] ^= 0x40; break;
                case "height": BinaryPrimitives.WriteUInt16LittleEndian(img.AsSpan(112), 99); break;
                case "file type": BinaryPrimitives.WriteUInt32LittleEndian(img.AsSpan(32), 0x01A4); break;
                case "negative size": BinaryPrimitives.WriteInt64LittleEndian(img.AsSpan(48), -7); break;
                case "pointer outside": BinaryPrimitives.WriteInt64LittleEndian(img.AsSpan(DinodeImage.DataOffset), 1L << 40); break;
            }
        }, reseal: corruption != "checksum");

        var log = new CapturingLogger();
        Assert.Equal(Errno.OK, Volume.Open(dev, new WriteThroughJournal(dev, Bs), log, out var opened, out var problem));
        using var vol = opened!;
        var buf = new byte[100];
        var results = new List<Errno>
        {
            Errno.FromResult(vol.ReadData(file, 0, buf)),
            Errno.FromResult(vol.WriteData(file, 0, "x"u8)),
            vol.SetAttr(file, new SetAttrRequest { Size = 10 }),
        };
        Assert.All(results, e => Assert.True(e == Errno.EUCLEAN, $"{corruption}: {e}"));
        Assert.NotEmpty(log.Errors);
        Assert.Contains(log.Errors, m => m.Contains($"block {file}", StringComparison.Ordinal) || m.Contains("block 1099511627776", StringComparison.Ordinal));
        Assert.NotNull(vol.LastError);

        // The rest of the filesystem is unaffected.
        Assert.Equal(5, vol.ReadData(other, 0, buf));
        Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "new", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out _));
    }

    [Fact]
    public void A_dinode_the_device_cannot_read_gives_EIO_and_a_logged_error()
    {
        var (mem, file, other) = TwoFiles();
        var dev = new FaultInjectingDevice(mem, seed: 1);
        dev.AddBadRange(file * Bs, Bs, failReads: true, failWrites: true);
        var log = new CapturingLogger();
        Assert.Equal(Errno.OK, Volume.Open(dev, new WriteThroughJournal(dev, Bs), log, out var opened, out _));
        using var vol = opened!;
        var buf = new byte[100];
        Assert.Equal(Errno.EIO.Negative, vol.ReadData(file, 0, buf));
        Assert.Equal(Errno.EIO, vol.GetAttr(file, out _));
        Assert.Contains(log.Errors, m => m.Contains($"block {file}", StringComparison.Ordinal));
        Assert.Equal(5, vol.ReadData(other, 0, buf));
    }
}
