using ClusterFs.Fs.Api;
using ClusterFs.Fs.Vfs.Aio;
using ClusterFs.Iov.Mm;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>inode_dio_wait in the inode glock's go_held: an asynchronous O_DIRECT write still in flight after its
/// submitter dropped the glock is waited for by the next SH holder, so a buffered read never caches the old data.</summary>
[Collection(IoCollection.Name)]
public sealed class DioWaitTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_buffered_read_after_an_async_direct_write_waits_for_it_and_sees_the_new_data()
    {
        var inner = NewDevice();
        byte[] marker = "DIO-NEW!"u8.ToArray();
        var fresh = Pattern(Page.Size, 41);
        marker.CopyTo(fresh, 0);
        var old = Pattern(Page.Size, 42);
        using var dev = new MarkerGatedDevice(inner, marker);
        using (var node = Mount(dev))
        using (var p = new FsProcess(node))
        using (var ctx = new AioContext(4))
        {
            int fd = (int)p.Open("/f", OpenFlags.Create | OpenFlags.ReadWrite);
            Assert.Equal(old.Length, p.Write(fd, old));
            Ok(p.Fsync(fd));
            int dfd = (int)p.Open("/f", OpenFlags.ReadWrite | OpenFlags.Direct);
            Ok(p.Fstat(fd, out var attr)); // before the write: a stat takes the glock SH, which would wait for it
            var inode = node.GetInode(attr!.Ino);
            long buf = p.Mm.Mmap(0, Page.Size, Prot.Read | Prot.Write, MapFlags.Private);
            Assert.Equal(0, p.Mm.CopyToUser((ulong)buf, fresh));

            try
            {
                ReadWhileTheWriteIsInFlight(p, ctx, dev, inode, fd, dfd, buf, fresh);
            }
            finally
            {
                dev.Open(); // a failed assertion must not leave the bio (and the unmount) stuck
            }
            Assert.True(ctx.Destroy(s_bound));
        }
        AssertFsckClean(inner);
    }

    private static void ReadWhileTheWriteIsInFlight(FsProcess p, AioContext ctx, MarkerGatedDevice dev, Inodes.Inode inode,
        int fd, int dfd, long buf, byte[] fresh)
    {
        Ok(p.IoSubmit(ctx, 1, dfd, write: true, (ulong)buf, Page.Size, 0));
        Assert.True(dev.WaitHeld(s_bound), "the direct write never reached the device");
        Assert.Equal(1, inode.DioInFlight); // its submitter has returned and dropped the glock

        var back = new byte[Page.Size];
        long got = -1;
        var reader = new Thread(() => got = p.Pread(fd, back, 0)) { IsBackground = true };
        reader.Start();
        // The reader's SH grant parks in go_held until the write completes.
        Assert.True(SpinWait.SpinUntil(() => inode.DioWaiters == 1 || !reader.IsAlive, s_bound), "the reader neither waited nor finished");
        Assert.True(reader.IsAlive, "the buffered read ran while the direct write was in flight");
        dev.Open();
        Assert.True(reader.Join(s_bound), "the buffered read was not released when the direct write completed");
        Assert.Equal(Page.Size, got);
        Assert.Equal(fresh, back);
        var events = new AioEvent[1];
        Assert.Equal(1, ctx.GetEvents(1, events, s_bound));
        Assert.Equal(Page.Size, events[0].Result);
    }
}
