using ClusterFs.Fs.Api;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Node;
using ClusterFs.Iov;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

[Collection(IoCollection.Name)]
public class NodeMountTests
{
    [Fact]
    public void DataWrittenBeforeUnmountIsReadAfterRemount()
    {
        var dev = NewDevice();
        var data = Pattern(300_000, 1);
        using (var node = Mount(dev))
        using (var p = new FsProcess(node))
        {
            long fd = p.Open("/f", OpenFlags.Create | OpenFlags.ReadWrite);
            Assert.True(fd >= 0);
            Assert.Equal(data.Length, p.Write((int)fd, data));
        }
        AssertFsckClean(dev);
        using (var node = Mount(dev))
        using (var p = new FsProcess(node))
        {
            long fd = p.Open("/f", OpenFlags.ReadOnly);
            var back = new byte[data.Length + 10];
            Assert.Equal(data.Length, p.Read((int)fd, back));
            Assert.Equal(data, back[..data.Length]);
        }
        AssertFsckClean(dev);
    }

    [Fact]
    public void OsyncWriteIsOnDiskBeforeTheCallReturns()
    {
        var dev = NewDevice();
        using var node = Mount(dev);
        using var p = new FsProcess(node);
        long fd = p.Open("/sync", OpenFlags.Create | OpenFlags.WriteOnly | OpenFlags.Sync);
        var data = Pattern(9000, 3);
        Assert.Equal(data.Length, p.Write((int)fd, data));
        // Another, read-only view of the device sees the data and the size without any unmount or fsync.
        Assert.True(ClusterFs.Fs.Format.Volume.Open(dev, null, null, out var ro, out var problem).IsOk, problem);
        Assert.True(ro!.Lookup(ro.RootInode, "sync", out long ino).IsOk);
        var back = new byte[data.Length + 1];
        Assert.Equal(data.Length, ro.ReadData(ino, 0, back));
        Assert.Equal(data, back[..data.Length]);
    }

    [Fact]
    public void SecondWriteThroughAMappingAfterMsyncIsWrittenBackToo()
    {
        var dev = NewDevice();
        using var node = Mount(dev);
        using var p = new FsProcess(node);
        int fd = (int)p.Open("/mm", OpenFlags.Create | OpenFlags.ReadWrite);
        Ok(p.Ftruncate(fd, Iov.Mm.Page.Size));
        ulong map = (ulong)p.Mmap(fd, 0, Iov.Mm.Page.Size, Iov.Mm.Prot.Read | Iov.Mm.Prot.Write, Iov.Mm.MapFlags.Shared, 0);
        Assert.Equal(0, p.Mm.CopyToUser(map, "first"u8));
        Ok(p.Msync(map, Iov.Mm.Page.Size));
        // Write-back cleaned the page and took it out of the mapping: this write must dirty it again.
        Assert.Equal(0, p.Mm.CopyToUser(map, "again"u8));
        Ok(p.Msync(map, Iov.Mm.Page.Size));
        Assert.True(ClusterFs.Fs.Format.Volume.Open(dev, null, null, out var ro, out var problem).IsOk, problem);
        Assert.True(ro!.Lookup(ro.RootInode, "mm", out long ino).IsOk);
        var back = new byte[5];
        Assert.Equal(5, ro.ReadData(ino, 0, back));
        Assert.Equal("again"u8.ToArray(), back);
    }

    [Fact]
    public void MountFailsWithClearErrorWhenLockProtocolDiffers()
    {
        var dev = NewDevice(protocol: "lock_inproc");
        var e = FsNode.Mount(dev, new NodeOptions(), out var node, out var problem);
        Assert.Equal(Errno.EINVAL, e);
        Assert.Null(node);
        Assert.Contains("lock_inproc", problem);
    }

    [Fact]
    public void MountFailsWhenLockTableDiffersFromTheLockSpace()
    {
        var dev = NewDevice(protocol: "lock_inproc");
        var space = new InProcessLockSpace("other:fs", 1);
        var e = FsNode.Mount(dev, new NodeOptions { LockManager = space.CreateManager() }, out var node, out var problem);
        Assert.Equal(Errno.EINVAL, e);
        Assert.Contains(LockTable, problem);
    }

    [Fact]
    public void SecondNodeRecoversJournalOfDeadNode()
    {
        var dev = NewDevice(journals: 2, protocol: "lock_inproc");
        var space = new InProcessLockSpace(LockTable, 2);
        var n1 = Mount(dev, space.CreateManager(), "n1");
        var n2 = Mount(dev, space.CreateManager(), "n2");
        Assert.True(space.KillNode(n1.JournalId));
        // KillNode delivers the recovery request before it returns; the replay itself runs on a task.
        Assert.True(n2.WaitForRecoveries(TimeSpan.FromSeconds(10)));
        Assert.Contains(n2.Recovered, r => r.Journal == n1.JournalId && r.Result.IsOk);
        n1.Dispose();
        n2.Dispose();
        AssertFsckClean(dev);
    }
}
