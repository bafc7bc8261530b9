using ClusterFs.Fs.Api;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>POSIX lifetime of an open file whose last name goes away: it stays usable through its open
/// descriptions, its blocks are never handed to another file meanwhile, and the last close frees it.</summary>
[Collection(IoCollection.Name)]
public sealed class OpenUnlinkedFileTests : IDisposable
{
    private readonly MemoryBlockDevice _dev = NewDevice();
    private readonly FsNode _node;
    private readonly FsProcess _p;

    public OpenUnlinkedFileTests()
    {
        _node = Mount(_dev);
        _p = new FsProcess(_node);
    }

    public void Dispose()
    {
        _p.Dispose();
        Ok(_node.Unmount());
        AssertFsckClean(_dev);
    }

    [Fact]
    public void AnUnlinkedOpenFileKeepsItsDataAndBlocksUntilTheLastCloseFreesThem()
    {
        var data = Pattern(300_000, 7);
        int fd = (int)_p.Open("/doomed", OpenFlags.Create | OpenFlags.ReadWrite);
        Assert.Equal(data.Length, _p.Write(fd, data));
        Ok(_p.Fsync(fd));
        Ok(_p.Fstat(fd, out var attr));
        long ino = attr!.Ino;

        Ok(_p.Unlink("/doomed"));
        Ok(_node.Volume.GetAttr(ino, out var unlinked));
        Assert.Equal(0u, unlinked!.Nlink);
        Assert.Equal(Errno.ENOENT, _p.Stat("/doomed", out _));

        // Another file written now must not get the unlinked file's blocks.
        var other = Pattern(300_000, 9);
        int fd2 = (int)_p.Open("/other", OpenFlags.Create | OpenFlags.ReadWrite);
        Assert.Equal(other.Length, _p.Write(fd2, other));
        Ok(_p.Fsync(fd2));

        var back = new byte[data.Length];
        Assert.Equal(data.Length, _p.Pread(fd, back, 0));
        Assert.Equal(data, back);
        Assert.Equal(4, _p.Pwrite(fd, new byte[] { 1, 2, 3, 4 }, 10));
        Ok(_p.Fsync(fd));

        Ok(_p.Close(fd));
        // Freed at last close: the dinode is gone (and fsck in Dispose finds no leaked blocks).
        Assert.NotEqual(Errno.OK, _node.Volume.GetAttr(ino, out _));

        var otherBack = new byte[other.Length];
        Assert.Equal(other.Length, _p.Pread(fd2, otherBack, 0));
        Assert.Equal(other, otherBack);
        Ok(_p.Close(fd2));
    }

    [Fact]
    public void RenameOverAnOpenFileKeepsTheReplacedFileReadableThroughItsDescriptor()
    {
        var old = Pattern(50_000, 3);
        int fd = (int)_p.Open("/target", OpenFlags.Create | OpenFlags.ReadWrite);
        Assert.Equal(old.Length, _p.Write(fd, old));
        int fd2 = (int)_p.Open("/new", OpenFlags.Create | OpenFlags.ReadWrite);
        Assert.Equal(3, _p.Write(fd2, new byte[] { 7, 7, 7 }));
        Ok(_p.Close(fd2));

        Ok(_p.Rename("/new", "/target"));

        var back = new byte[old.Length];
        Assert.Equal(old.Length, _p.Pread(fd, back, 0));
        Assert.Equal(old, back);
        Ok(_p.Close(fd));
    }
}
