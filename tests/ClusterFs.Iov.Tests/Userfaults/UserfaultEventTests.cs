using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Userfaults;

namespace ClusterFs.Iov.Tests.Userfaults;

public sealed class UserfaultEventTests
{
    private const int P = Page.Size;
    private const ulong Base = UserfaultFixture.Base;
    private static readonly TimeSpan s_timeout = UserfaultFixture.Timeout;

    [Fact]
    public async Task DontNeedPostsARemoveEventAndFillsGetEagainUntilItIsRead()
    {
        using var f = new UserfaultFixture(UserfaultFeatures.EventRemove);
        var madvise = Task.Run(() => f.Mm.Madvise(Base + P, 2 * P, Advice.DontNeed));
        Assert.True(SpinWait.SpinUntil(() => f.Ctx.MmapChanging, s_timeout));
        Assert.Equal(Errno.EAGAIN, f.Ctx.Copy(Base, new byte[P], 0, out long copied));
        Assert.Equal(Errno.EAGAIN.Negative, copied);
        Assert.Equal(Errno.EAGAIN, f.Ctx.ZeroPage(Base, P, 0, out _));
        Assert.Equal(PollEvents.In, f.Ctx.Poll());
        Assert.False(madvise.IsCompleted);

        var msgs = new UserfaultMessage[4];
        Assert.Equal(1, f.Ctx.Read(msgs));
        Assert.Equal(new UserfaultMessage(UserfaultMessage.EventRemove, PagefaultFlags.None, Base + P, 0, Base + 3 * P), msgs[0]);
        Assert.Equal(Errno.OK, await madvise.WaitAsync(s_timeout));
        Assert.False(f.Ctx.MmapChanging);
        Assert.Equal(Errno.OK, f.Ctx.Copy(Base, new byte[P], 0, out _));
    }

    [Fact]
    public async Task DontNeedZapsOnlyAfterTheMonitorReadTheRemoveEvent()
    {
        using var f = new UserfaultFixture(UserfaultFeatures.EventRemove);
        Assert.Equal(Errno.OK, f.Ctx.Copy(Base + P, UserfaultFixture.Filled(7), 0, out _));
        var madvise = Task.Run(() => f.Mm.Madvise(Base + P, P, Advice.DontNeed));
        Assert.True(SpinWait.SpinUntil(() => f.Ctx.MmapChanging, s_timeout));
        var seen = new byte[P];
        using (Tasks.Faults.Disable())
            Assert.Equal(0, f.Mm.CopyFromUser(Base + P, seen)); // still mapped while the event is unread

        var msgs = new UserfaultMessage[1];
        Assert.Equal(1, f.Ctx.Read(msgs));
        Assert.Equal(Errno.OK, await madvise.WaitAsync(s_timeout));
        Assert.Equal(UserfaultFixture.Filled(7), seen);
        using (Tasks.Faults.Disable())
            Assert.Equal(P, f.Mm.CopyFromUser(Base + P, seen)); // zapped once it was read
    }

    [Fact]
    public async Task MunmapPostsAnUnmapEventReadAfterPendingFaults()
    {
        using var f = new UserfaultFixture(UserfaultFeatures.EventUnmap);
        var reader = f.ReadOnOtherThread(Base, 1);
        Assert.True(SpinWait.SpinUntil(() => (f.Ctx.Poll() & PollEvents.In) != 0, s_timeout));
        var munmap = Task.Run(() => f.Mm.Munmap(Base + 4 * P, 4 * P));
        Assert.True(SpinWait.SpinUntil(() => f.Ctx.MmapChanging, s_timeout));

        var msgs = new UserfaultMessage[4];
        Assert.Equal(2, f.Ctx.Read(msgs));
        Assert.Equal(UserfaultMessage.EventPagefault, msgs[0].Event);
        Assert.Equal(new UserfaultMessage(UserfaultMessage.EventUnmap, PagefaultFlags.None, Base + 4 * P, 0, Base + 8 * P), msgs[1]);
        Assert.Equal(Errno.OK, await munmap.WaitAsync(s_timeout));
        Assert.Null(f.Mm.FindVma(Base + 4 * P));
        Assert.Equal(Errno.OK, f.Ctx.ZeroPage(Base, P, 0, out _));
        Assert.Equal(0, await reader.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task AMapFixedMappingThatReplacesRegisteredMemoryPostsAnUnmapEventAndWaitsForItsRead()
    {
        using var f = new UserfaultFixture(UserfaultFeatures.EventUnmap);
        var mmap = Task.Run(() => f.Mm.Mmap(Base + 2 * P, 2 * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed));
        Assert.True(SpinWait.SpinUntil(() => f.Ctx.MmapChanging, s_timeout), "no UNMAP event was posted for the replaced range");
        Assert.False(mmap.IsCompleted);

        var msgs = new UserfaultMessage[2];
        Assert.Equal(1, f.Ctx.Read(msgs));
        Assert.Equal(new UserfaultMessage(UserfaultMessage.EventUnmap, PagefaultFlags.None, Base + 2 * P, 0, Base + 4 * P), msgs[0]);
        Assert.Equal((long)(Base + 2 * P), await mmap.WaitAsync(s_timeout));
        Assert.False(f.Ctx.MmapChanging);
        Assert.Null(f.Mm.FindVma(Base + 2 * P)!.Userfault); // the new mapping is not registered
    }

    [Fact]
    public async Task ReleaseLetsATaskWaitingForItsEventGoOn()
    {
        var f = new UserfaultFixture(UserfaultFeatures.EventUnmap);
        try
        {
            var munmap = Task.Run(() => f.Mm.Munmap(Base, P));
            Assert.True(SpinWait.SpinUntil(() => f.Ctx.MmapChanging, s_timeout));
            f.Ctx.Dispose();
            Assert.Equal(Errno.OK, await munmap.WaitAsync(s_timeout));
            Assert.False(f.Ctx.MmapChanging);
        }
        finally { f.Dispose(); }
    }

    [Fact]
    public async Task AnAsynchronousReadPostedInAdvanceTakesTheEventSoTheLayoutChangeDoesNotWait()
    {
        using var f = new UserfaultFixture(UserfaultFeatures.EventRemove);
        var posted = f.Ctx.ReadAsync();
        Assert.Equal(Errno.OK, await Task.Run(() => f.Mm.Madvise(Base, P, Advice.DontNeed)).WaitAsync(s_timeout));
        var r = await posted.WaitAsync(s_timeout);
        Assert.Equal(UserfaultMessage.EventRemove, r.Message.Event);
        Assert.False(f.Ctx.MmapChanging);
    }

    [Fact]
    public void WithoutTheEventFeaturesLayoutChangesPostNothing()
    {
        using var f = new UserfaultFixture();
        Assert.Equal(Errno.OK, f.Mm.Madvise(Base, P, Advice.DontNeed));
        Assert.Equal(Errno.OK, f.Mm.Munmap(Base, P));
        Assert.Equal(PollEvents.None, f.Ctx.Poll());
        Assert.False(f.Ctx.MmapChanging);
    }
}
