using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

/// <summary>Helpers that make a small formatted image and mount it with a write-through journal.</summary>
public static class TestFs
{
    public static MkfsOptions Small(int blockSize = 4096, long rgrpBytes = 1 << 20) => new()
    {
        BlockSize = blockSize, JournalBytes = 64 * blockSize, RgrpBytes = rgrpBytes, LockTable = "test:fs",
    };

    public static MemoryBlockDevice Format(long size, MkfsOptions? options = null)
    {
        var dev = new MemoryBlockDevice(size);
        Assert.Equal(Errno.OK, Mkfs.Format(dev, options ?? Small(), out var problem));
        Assert.Null(problem);
        return dev;
    }

    public static Volume Mount(IBlockDevice dev)
    {
        var e = Volume.Open(dev, new WriteThroughJournal(dev, BlockSizeOf(dev)), null, out var vol, out var problem);
        Assert.True(e.IsOk, problem);
        return vol!;
    }

    public static int BlockSizeOf(IBlockDevice dev)
    {
        var head = new byte[512];
        Assert.Equal(Errno.OK, dev.Read(0, head));
        return BitConverter.ToInt32(head, 36);
    }

    public static FsckReport Check(IBlockDevice dev, bool repair = false) =>
        Fsck.Run(dev, repair ? new WriteThroughJournal(dev, BlockSizeOf(dev)) : null, repair);
}
