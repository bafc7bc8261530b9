using ClusterFs.Fs.Api;
using ClusterFs.Fs.Vfs.Aio;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

[Collection(IoCollection.Name)]
public class AioApiTests
{
    [Fact]
    public void SubmittedDirectAndBufferedRequestsCompleteAsEventsWithTheirData()
    {
        var dev = NewDevice();
        using (var node = Mount(dev))
        using (var p = new FsProcess(node))
        using (var ctx = new AioContext(8))
        {
            int fd = (int)p.Open("/aio", OpenFlags.Create | OpenFlags.ReadWrite);
            int dfd = (int)p.Open("/aio", OpenFlags.ReadWrite | OpenFlags.Direct);
            long buf = p.Mm.Mmap(0, 4 * Page.Size, Prot.Read | Prot.Write, MapFlags.Private);
            var data = Pattern(2 * Page.Size, 30);
            Assert.Equal(0, p.Mm.CopyToUser((ulong)buf, data));
            Ok(p.IoSubmit(ctx, 1, fd, write: true, (ulong)buf, 2 * Page.Size, 0));
            Ok(p.IoSubmit(ctx, 2, dfd, write: true, (ulong)buf, 2 * Page.Size, 2 * Page.Size));
            var events = new AioEvent[8];
            Assert.Equal(2, ctx.GetEvents(2, events, TimeSpan.FromSeconds(10)));
            Assert.All(events[..2], e => Assert.Equal(2 * Page.Size, e.Result));
            Ok(p.IoSubmit(ctx, 3, dfd, write: false, (ulong)buf + 2 * Page.Size, 2 * Page.Size, 2 * Page.Size));
            Ok(p.IoSubmit(ctx, 4, fd, write: false, (ulong)buf, 10, 0x7000_0000));
            Assert.Equal(2, ctx.GetEvents(2, events, TimeSpan.FromSeconds(10)));
            var byId = events[..2].ToDictionary(e => e.UserData, e => e.Result);
            Assert.Equal(2 * Page.Size, byId[3]);
            Assert.Equal(0, byId[4]); // past EOF
            var back = new byte[2 * Page.Size];
            Assert.Equal(0, p.Mm.CopyFromUser((ulong)buf + 2 * Page.Size, back));
            Assert.Equal(data, back);
            Assert.Equal(Errno.EBADF, p.IoSubmit(ctx, 5, 42, write: false, (ulong)buf, 10, 0));
            Assert.True(ctx.Destroy(TimeSpan.FromSeconds(10)));
        }
        AssertFsckClean(dev);
    }
}
