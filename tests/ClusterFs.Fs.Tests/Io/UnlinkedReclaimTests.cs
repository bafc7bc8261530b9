using ClusterFs.Fs.Api;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>Unlinked dinodes whose last user went away with its node (a crash, an unmount) are freed by the next mount
/// or by the node that recovers the dead node's journal, instead of waiting for fsck.</summary>
[Collection(IoCollection.Name)]
public sealed class UnlinkedReclaimTests
{
    private static long OpenAndUnlink(FsProcess p, string path)
    {
        long fd = p.Open(path, OpenFlags.Create | OpenFlags.ReadWrite);
        Assert.True(fd >= 0, $"open: {fd}");
        Assert.Equal(100_000, p.Write((int)fd, Pattern(100_000, 3)));
        Ok(p.Fsync((int)fd));
        Ok(p.Fstat((int)fd, out var attr));
        Ok(p.Unlink(path));
        return attr!.Ino;
    }

    [Fact]
    public void A_file_still_open_when_its_node_unmounted_is_freed_by_the_next_mount()
    {
        var dev = NewDevice();
        var node = Mount(dev);
        var p = new FsProcess(node);
        long ino = OpenAndUnlink(p, "/open-at-unmount");
        Ok(node.Unmount()); // the descriptor is still open: nothing may free the file now
        var leftover = Fsck.Run(dev, null, repair: false);
        Assert.Contains(leftover.Problems, x => x.Contains("Unlinked"));
        p.Dispose();
        node.Dispose();

        using (var again = Mount(dev))
            Assert.Equal(Errno.ESTALE, again.Volume.GetAttr(ino, out _));
        AssertFsckClean(dev);
    }

    [Fact]
    public void The_node_that_recovers_a_dead_nodes_journal_frees_the_unlinked_files_it_had_open()
    {
        var dev = NewDevice(journals: 2, protocol: "lock_inproc");
        var space = new InProcessLockSpace(LockTable, 2);
        var n1 = Mount(dev, space.CreateManager(), "n1");
        var n2 = Mount(dev, space.CreateManager(), "n2");
        var p1 = new FsProcess(n1);
        long fd = p1.Open("/held", OpenFlags.Create | OpenFlags.ReadWrite);
        Assert.True(fd >= 0, $"open: {fd}");
        Ok(p1.Fstat((int)fd, out var attr));
        var p2 = new FsProcess(n2);
        Ok(p2.Unlink("/held")); // node 1 still has it open: it stays, unlinked
        Ok(n2.Volume.GetAttr(attr!.Ino, out _));

        Assert.True(space.KillNode(n1.JournalId));
        Assert.True(n2.WaitForRecoveries(TimeSpan.FromSeconds(10)));
        Assert.Equal(Errno.ESTALE, n2.Volume.GetAttr(attr.Ino, out _));
        p2.Dispose();
        n2.Dispose();
        p1.Dispose();
        n1.Dispose();
        AssertFsckClean(dev);
    }
}
