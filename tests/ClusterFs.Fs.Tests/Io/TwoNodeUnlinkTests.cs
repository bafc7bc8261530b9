using ClusterFs.Fs.Api;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>
/// The iopen glock across two nodes: a file open on one node outlives an unlink on the other, the last close on
/// whichever node frees it, and a file only cached (closed) elsewhere is freed at once. fsck after unmount finds no
/// leaked unlinked inode.
/// </summary>
[Collection(IoCollection.Name)]
public sealed class TwoNodeUnlinkTests : IDisposable
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);
    private readonly MemoryBlockDevice _dev = NewDevice(journals: 2, protocol: "lock_inproc");
    private readonly InProcessLockSpace _space = new(LockTable, 2);
    private readonly FsNode _n1, _n2;
    private readonly FsProcess _p1, _p2;

    public TwoNodeUnlinkTests()
    {
        _n1 = Mount(_dev, _space.CreateManager(), "n1");
        _n2 = Mount(_dev, _space.CreateManager(), "n2");
        _p1 = new FsProcess(_n1);
        _p2 = new FsProcess(_n2);
    }

    public void Dispose()
    {
        _p1.Dispose();
        _p2.Dispose();
        Ok(_n1.Unmount());
        Ok(_n2.Unmount());
        AssertFsckClean(_dev);
    }

    private static int Fd(long fd)
    {
        Assert.True(fd >= 0, $"open: {fd}");
        return (int)fd;
    }

    private static long Create(FsProcess p, string path, byte[] data)
    {
        int fd = Fd(p.Open(path, OpenFlags.Create | OpenFlags.ReadWrite));
        Assert.Equal(data.Length, p.Write(fd, data));
        Ok(p.Fsync(fd));
        Ok(p.Fstat(fd, out var attr));
        Ok(p.Close(fd));
        return attr!.Ino;
    }

    private static void AssertFreed(FsNode node, long ino) =>
        Assert.True(SpinWait.SpinUntil(() => node.Volume.GetAttr(ino, out _) == Errno.ESTALE, s_bound), $"inode {ino} was not freed");

    [Fact]
    public void A_file_open_on_one_node_survives_an_unlink_on_the_other_and_its_last_close_frees_it()
    {
        var data = Pattern(300_000, 5);
        long ino = Create(_p1, "/doomed", data);
        int fd = Fd(_p1.Open("/doomed", OpenFlags.ReadWrite));

        Ok(_p2.Unlink("/doomed"));
        Assert.Equal(Errno.ENOENT, _p1.Stat("/doomed", out _));
        // Node 2 must not have freed it: a file it writes now must not get the open file's blocks.
        var other = Pattern(300_000, 8);
        Create(_p2, "/other", other);

        var back = new byte[data.Length];
        Assert.Equal(data.Length, _p1.Pread(fd, back, 0));
        Assert.Equal(data, back);
        Assert.True(_n1.GetInode(ino).Iopen.IsDeletePending, "node 1 was not told that its open file lost its last link");

        Ok(_p1.Close(fd));
        AssertFreed(_n1, ino);
    }

    [Fact]
    public void With_the_file_open_on_both_nodes_only_the_last_close_anywhere_frees_it()
    {
        var data = Pattern(40_000, 6);
        long ino = Create(_p1, "/shared", data);
        int f1 = Fd(_p1.Open("/shared", OpenFlags.ReadOnly));
        int f2 = Fd(_p2.Open("/shared", OpenFlags.ReadOnly));

        Ok(_p1.Unlink("/shared"));
        Ok(_p1.Close(f1));
        Ok(_n1.Volume.GetAttr(ino, out var attr)); // node 2 still has it open
        Assert.Equal(0u, attr!.Nlink);

        var back = new byte[data.Length];
        Assert.Equal(data.Length, _p2.Pread(f2, back, 0));
        Assert.Equal(data, back);
        Ok(_p2.Close(f2));
        AssertFreed(_n2, ino);
    }

    [Fact]
    public void An_unlink_frees_a_file_that_the_other_node_opened_and_closed_but_still_caches()
    {
        long ino = Create(_p1, "/cached", Pattern(20_000, 4)); // node 1 keeps its iopen glock SH cached
        Ok(_p2.Unlink("/cached"));
        // Node 2's TRY is refused by node 1's cached SH; node 1's callback frees it, since nothing there uses it.
        AssertFreed(_n1, ino);
    }
}
