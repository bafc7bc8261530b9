using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.Storage;
using ClusterFs.Fs.Tests.Iomap;
using ClusterFs.Fs.Vfs;
using ClusterFs.Fs.Vfs.Aio;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.Tests.Vfs;

/// <summary>The aio context: immediate and queued completions, bounded waits and polls, ring limits,
/// batches, destroy, and direct I/O submitted through it.</summary>
public sealed class AioContextTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private static readonly long s_queued = Errno.EIOCBQUEUED.Negative;

    private static AioRequest Immediate(ulong tag, long result) => new(tag, 0, KiocbFlags.None, _ => result);

    [Fact]
    public void AnOperationThatFinishesAtOnceIsAnEventAtOnce()
    {
        using var ctx = new AioContext(4);
        Assert.Equal(Errno.OK, ctx.Submit(Immediate(7, 4096)));
        var events = new AioEvent[4];
        Assert.Equal(1, ctx.GetEvents(0, events, TimeSpan.Zero));
        Assert.Equal(new AioEvent(7, 4096), events[0]);
        Assert.Equal(0, ctx.GetEvents(0, events, TimeSpan.Zero));
    }

    [Fact]
    public void AQueuedOperationIsNotPolledUntilItCompletesFromAnotherThread()
    {
        using var ctx = new AioContext(4);
        Kiocb? captured = null;
        Assert.Equal(Errno.OK, ctx.Submit(new AioRequest(9, 512, KiocbFlags.Direct, iocb => { captured = iocb; return s_queued; })));
        Assert.NotNull(captured);
        Assert.False(captured.IsSync);
        Assert.Equal(512, captured.Position);
        var events = new AioEvent[1];
        Assert.Equal(0, ctx.GetEvents(0, events, TimeSpan.Zero));
        Assert.Equal(1, ctx.InFlight);

        var completer = new Thread(() => captured.Complete!(captured, -5));
        completer.Start();
        Assert.Equal(1, ctx.GetEvents(1, events, s_wait));
        Assert.Equal(new AioEvent(9, -5), events[0]);
        Assert.True(completer.Join(s_wait));
        Assert.Equal(0, ctx.InFlight);
    }

    [Fact]
    public void WaitingForMoreEventsThanArriveReturnsWhatIsThereWhenTheTimeoutExpires()
    {
        using var ctx = new AioContext(4);
        ctx.Submit(Immediate(1, 10));
        var events = new AioEvent[4];
        Assert.Equal(1, ctx.GetEvents(2, events, TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void GetEventsMovesAtMostTheSpaceGivenOldestFirst()
    {
        using var ctx = new AioContext(8);
        for (ulong i = 0; i < 5; i++) ctx.Submit(Immediate(i, (long)i));
        var two = new AioEvent[2];
        Assert.Equal(2, ctx.GetEvents(2, two, TimeSpan.Zero));
        Assert.Equal([0UL, 1UL], two.Select(e => e.UserData));
        Assert.Equal(3, ctx.Available);
    }

    [Fact]
    public void BadMinNrIsEinval()
    {
        using var ctx = new AioContext(2);
        Assert.Equal(Errno.EINVAL.Negative, ctx.GetEvents(-1, new AioEvent[2], TimeSpan.Zero));
        Assert.Equal(Errno.EINVAL.Negative, ctx.GetEvents(3, new AioEvent[2], TimeSpan.Zero));
        Assert.Equal(Errno.EINVAL.Negative, ctx.GetEvents(3, new AioEvent[4], TimeSpan.Zero));
    }

    [Fact]
    public void AFullRingRefusesSubmissionsWithEagainUntilEventsAreCollected()
    {
        using var ctx = new AioContext(2);
        var pending = new List<Kiocb>();
        Func<Kiocb, long> queue = iocb => { pending.Add(iocb); return s_queued; };
        Assert.Equal(Errno.OK, ctx.Submit(new AioRequest(1, 0, KiocbFlags.None, queue)));
        Assert.Equal(Errno.OK, ctx.Submit(Immediate(2, 1)));
        Assert.Equal(Errno.EAGAIN, ctx.Submit(Immediate(3, 1)));
        Assert.Equal(1, ctx.GetEvents(1, new AioEvent[2], TimeSpan.Zero));
        Assert.Equal(Errno.OK, ctx.Submit(Immediate(3, 1)));
        pending[0].Complete!(pending[0], 0);
    }

    [Fact]
    public void BatchSubmissionStopsAtTheFirstRequestThatDoesNotFit()
    {
        using var ctx = new AioContext(2);
        AioRequest[] batch = [Immediate(1, 1), Immediate(2, 2), Immediate(3, 3)];
        Assert.Equal(2, ctx.Submit(batch));
        Assert.Equal(Errno.EAGAIN.Negative, ctx.Submit(batch.AsSpan(2)));
    }

    [Fact]
    public void CompletingARequestTwiceIsABug()
    {
        using var ctx = new AioContext(2);
        Kiocb? captured = null;
        ctx.Submit(new AioRequest(1, 0, KiocbFlags.None, iocb => { captured = iocb; return s_queued; }));
        captured!.Complete!(captured, 1);
        Assert.Throws<InvalidOperationException>(() => captured.Complete!(captured, 1));
        Assert.Equal(1, ctx.GetEvents(1, new AioEvent[2], TimeSpan.Zero));
    }

    [Fact]
    public void DestroyWaitsForRequestsInFlightAndRefusesNewOnes()
    {
        var ctx = new AioContext(2);
        Kiocb? captured = null;
        ctx.Submit(new AioRequest(1, 0, KiocbFlags.None, iocb => { captured = iocb; return s_queued; }));
        Assert.False(ctx.Destroy(TimeSpan.Zero));
        Assert.Equal(Errno.EINVAL, ctx.Submit(Immediate(2, 0)));
        var completer = new Thread(() => captured!.Complete!(captured, 0));
        completer.Start();
        Assert.True(ctx.Destroy(s_wait));
        Assert.True(completer.Join(s_wait));
    }

    [Fact]
    public void DirectReadsSubmittedThroughAioCompleteAsEventsWithTheirData()
    {
        var image = DioTestData.Pattern(0, 4 << 20);
        var gated = new GatedDevice(new MemoryBlockDevice((byte[])image.Clone()));
        var host = new FakeDioHost(gated, 4 << 20);
        host.MapIdentity(4 << 20);
        using var mm = new AddressSpace();
        using var ctx = new AioContext(8);
        var buffers = Enumerable.Range(0, 4).Select(_ => DioTestData.MapPopulated(mm, 1 << 20)).ToArray();
        for (int i = 0; i < 4; i++)
        {
            var iter = IovIter.CreateUbuf(IterDirection.Dest, mm, buffers[i], 1 << 20);
            Assert.Equal(Errno.OK, ctx.Submit(new AioRequest((ulong)i, (long)i << 20, KiocbFlags.Direct,
                iocb => IomapDio.Rw(iocb, iter, host, DioFlags.None, 0))));
        }
        // Everything is held at the device: nothing has completed yet.
        Assert.Equal(0, ctx.GetEvents(0, new AioEvent[4], TimeSpan.Zero));
        gated.Open();
        var events = new AioEvent[4];
        int got = 0;
        while (got < 4)
        {
            long n = ctx.GetEvents(1, events.AsSpan(got), s_wait);
            Assert.True(n > 0, "direct reads never completed");
            got += (int)n;
        }
        Assert.All(events, e => Assert.Equal(1 << 20, e.Result));
        for (int i = 0; i < 4; i++)
            Assert.Equal(image.AsSpan(i << 20, 1 << 20).ToArray(), DioTestData.ReadUser(mm, buffers[i], 1 << 20));
        Assert.True(ctx.Destroy(s_wait));
        gated.Dispose();
    }
}
