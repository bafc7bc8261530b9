using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;
using ClusterFs.Iov.Userfaults;

namespace ClusterFs.Iov.Tests.Userfaults;

public sealed class UserfaultFaultTests
{
    private const int P = Page.Size;
    private const ulong Base = UserfaultFixture.Base;
    private static readonly TimeSpan s_timeout = UserfaultFixture.Timeout;

    [Fact]
    public async Task AMissingFaultQueuesAMessageBlocksAndCompletesWithTheCopiedData()
    {
        using var f = new UserfaultFixture();
        var reader = Task.Run(() =>
        {
            var buf = new byte[8];
            long left = f.Mm.CopyFromUser(Base + P + 100, buf);
            return (left, buf);
        });
        var msg = await f.NextMessage();
        Assert.Equal(UserfaultMessage.EventPagefault, msg.Event);
        Assert.Equal(PagefaultFlags.None, msg.Flags);
        Assert.Equal(Base + P, msg.Address);
        Assert.Equal(0, msg.ThreadId);
        Assert.False(reader.IsCompleted);

        Assert.Equal(Errno.OK, f.Ctx.Copy(Base + P, UserfaultFixture.Filled(0x5A), UserfaultCopyModes.None, out long copied));
        Assert.Equal(P, copied);
        var (left, buf) = await reader.WaitAsync(s_timeout);
        Assert.Equal(0, left);
        Assert.All(buf, b => Assert.Equal(0x5A, b));
    }

    [Fact]
    public async Task WriteFaultsAreFlaggedAndExactAddressAndThreadIdAreReportedWhenEnabled()
    {
        using var f = new UserfaultFixture(UserfaultFeatures.ExactAddress | UserfaultFeatures.ThreadId);
        int tid = 0;
        var writer = Task.Run(() =>
        {
            tid = TaskContext.Current.Id;
            return f.Mm.CopyToUser(Base + 2 * P + 33, [7]);
        });
        var msg = await f.NextMessage();
        Assert.Equal(PagefaultFlags.Write, msg.Flags);
        Assert.Equal(Base + 2 * P + 33, msg.Address);
        Assert.Equal(tid, msg.ThreadId);
        Assert.Equal(Errno.OK, f.Ctx.ZeroPage(Base + 2 * P, P, UserfaultCopyModes.None, out _));
        // ZEROPAGE maps the read-only zero page: the write refaults normally (COW), no second message.
        Assert.Equal(0, await writer.WaitAsync(s_timeout));
        Assert.False(f.Mm.GetPte(Base + 2 * P)!.Page!.IsZeroPage);
    }

    [Fact]
    public async Task ANonBlockingReadWithNothingPendingIsEagainAndAReadMessageIsNotReportedAgain()
    {
        using var f = new UserfaultFixture();
        var msgs = new UserfaultMessage[4];
        Assert.Equal(Errno.EAGAIN.Negative, f.Ctx.Read(msgs));
        var reader = f.ReadOnOtherThread(Base, 1);
        Assert.True(SpinWait.SpinUntil(() => (f.Ctx.Poll() & PollEvents.In) != 0, s_timeout));
        Assert.Equal(1, f.Ctx.Read(msgs));
        Assert.Equal(Base, msgs[0].Address);
        Assert.Equal(Errno.EAGAIN.Negative, f.Ctx.Read(msgs));
        Assert.Equal(PollEvents.None, f.Ctx.Poll());
        Assert.False(reader.IsCompleted);
        Assert.Equal(Errno.OK, f.Ctx.ZeroPage(Base, P, 0, out _));
        Assert.Equal(0, await reader.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task ABlockingReadWaitsForTheNextFault()
    {
        using var f = new UserfaultFixture(flags: UserfaultCreateFlags.None);
        var msgs = new UserfaultMessage[2];
        var blockingRead = Task.Run(() => f.Ctx.Read(msgs));
        var faulter = f.ReadOnOtherThread(Base + 3 * P, 1);
        Assert.Equal(1, await blockingRead.WaitAsync(s_timeout));
        Assert.Equal(Base + 3 * P, msgs[0].Address);
        Assert.Equal(PollEvents.Err, f.Ctx.Poll()); // poll needs a non-blocking context
        Assert.Equal(Errno.OK, f.Ctx.ZeroPage(Base + 3 * P, P, 0, out _));
        Assert.Equal(0, await faulter.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task AnAsynchronousReadPostedBeforeTheFaultCompletesWhenItArrives()
    {
        using var f = new UserfaultFixture();
        var posted = f.Ctx.ReadAsync();
        Assert.False(posted.IsCompleted);
        var faulter = f.WriteOnOtherThread(Base + 4 * P, 1);
        var r = await posted.WaitAsync(s_timeout);
        Assert.Equal(Errno.OK, r.Error);
        Assert.Equal(Base + 4 * P, r.Message.Address);
        Assert.Equal(PollEvents.None, f.Ctx.Poll()); // delivered to the posted read, not pending
        Assert.Equal(Errno.OK, f.Ctx.Copy(Base + 4 * P, new byte[P], 0, out _));
        Assert.Equal(0, await faulter.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task ReleaseCancelsPostedReadsWithEbadfAndWakesBlockedFaultsWhichThenFaultNormally()
    {
        var f = new UserfaultFixture();
        try
        {
            var reader = f.ReadOnOtherThread(Base, 1);
            var writer = f.WriteOnOtherThread(Base + P, 9);
            await f.NextMessage();
            await f.NextMessage();
            var posted = f.Ctx.ReadAsync();
            f.Ctx.Dispose();
            Assert.Equal(Errno.EBADF, (await posted.WaitAsync(s_timeout)).Error);
            Assert.Equal(0, await reader.WaitAsync(s_timeout));
            Assert.Equal(0, await writer.WaitAsync(s_timeout));
            Assert.Same(Page.Zero, f.Mm.GetPte(Base)!.Page);
            Assert.Equal(9, f.Mm.GetPte(Base + P)!.Page!.Span[0]);
            Assert.Equal(PollEvents.Hup, f.Ctx.Poll() & PollEvents.Hup);
        }
        finally { f.Dispose(); }
    }

    [Fact]
    public async Task WakeWithoutFillingMakesTheFaultRetryAndReportAgain()
    {
        using var f = new UserfaultFixture();
        var reader = f.ReadOnOtherThread(Base, 1);
        var first = await f.NextMessage();
        Assert.Equal(Errno.OK, f.Ctx.Wake(Base, P));
        var second = await f.NextMessage();
        Assert.Equal(first.Address, second.Address);
        Assert.Equal(Errno.OK, f.Ctx.ZeroPage(Base, P, 0, out _));
        Assert.Equal(0, await reader.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task DontWakeFillsWithoutWakingUntilAnExplicitWake()
    {
        using var f = new UserfaultFixture();
        var reader = f.ReadOnOtherThread(Base + P, 1);
        await f.NextMessage();
        Assert.Equal(Errno.OK, f.Ctx.Copy(Base + P, UserfaultFixture.Filled(3), UserfaultCopyModes.DontWake, out _));
        Assert.False(reader.IsCompleted);
        Assert.Equal(Errno.OK, f.Ctx.Wake(Base + P, P));
        Assert.Equal(0, await reader.WaitAsync(s_timeout));
    }

    [Fact]
    public void CopyReportsExistingPagesPartialFillsAndUnregisteredRangesLikeLinux()
    {
        using var f = new UserfaultFixture();
        Assert.Equal(Errno.OK, f.Ctx.Copy(Base + 2 * P, new byte[P], 0, out _));
        Assert.Equal(Errno.EEXIST, f.Ctx.Copy(Base + 2 * P, new byte[P], 0, out long copied));
        Assert.Equal(Errno.EEXIST.Negative, copied);
        Assert.Equal(Errno.EAGAIN, f.Ctx.Copy(Base + P, new byte[2 * P], 0, out copied));
        Assert.Equal(P, copied);
        Assert.Equal(Errno.ENOENT, f.Ctx.Copy(Base + 64 * (ulong)P, new byte[P], 0, out copied));
        Assert.Equal(Errno.ENOENT.Negative, copied);
        Assert.Equal(Errno.EINVAL, f.Ctx.Copy(Base + 3 * P, new byte[100], 0, out _));
        Assert.Equal(Errno.EINVAL, f.Ctx.Copy(Base + 3 * P, new byte[P], (UserfaultCopyModes)4, out _));
        Assert.Equal(Errno.EINVAL, f.Ctx.ZeroPage(Base + 3 * P, P, UserfaultCopyModes.WriteProtect, out _));
        Assert.Equal(Errno.OK, f.Ctx.Copy(Base + 5 * P, UserfaultFixture.Filled(1), UserfaultCopyModes.WriteProtect, out _));
        var pte = f.Mm.GetPte(Base + 5 * P)!;
        Assert.True(pte.IsUffdWp && !pte.IsWritable);
    }

    [Fact]
    public async Task ASignalInterruptsABlockedFaultWhichIsDeliveredAndRetriedWithANewMessage()
    {
        using var f = new UserfaultFixture();
        TaskContext? faultingTask = null;
        var reader = Task.Run(() =>
        {
            faultingTask = TaskContext.Current;
            long left = f.Mm.CopyFromUser(Base + 6 * P, new byte[1]);
            return (left, faultingTask.SignalsDelivered);
        });
        await f.NextMessage();
        faultingTask!.SendSignal();
        var again = await f.NextMessage();
        Assert.Equal(Base + 6 * P, again.Address);
        Assert.Equal(Errno.OK, f.Ctx.ZeroPage(Base + 6 * P, P, 0, out _));
        var (left, delivered) = await reader.WaitAsync(s_timeout);
        Assert.Equal(0, left);
        Assert.Equal(1, delivered);
    }

    [Fact]
    public async Task AFatalSignalMakesTheBlockedAccessFail()
    {
        using var f = new UserfaultFixture();
        TaskContext? faultingTask = null;
        var reader = Task.Run(() =>
        {
            faultingTask = TaskContext.Current;
            try { return f.Mm.CopyFromUser(Base + 7 * P, new byte[10]); }
            finally { faultingTask.ClearSignals(); }
        });
        await f.NextMessage();
        faultingTask!.SendSignal(fatal: true);
        Assert.Equal(10, await reader.WaitAsync(s_timeout));
        Assert.Null(f.Mm.GetPte(Base + 7 * P));
    }

    [Fact]
    public async Task ABlockingReadInterruptedByASignalReturnsErestartsys()
    {
        using var f = new UserfaultFixture(flags: UserfaultCreateFlags.None);
        TaskContext? readerTask = null;
        using var started = new ManualResetEventSlim();
        var read = Task.Run(() =>
        {
            readerTask = TaskContext.Current;
            started.Set();
            try { return f.Ctx.Read(new UserfaultMessage[1]); }
            finally { readerTask.ClearSignals(); }
        });
        Assert.True(started.Wait(s_timeout));
        readerTask!.SendSignal();
        Assert.Equal(Errno.ERESTARTSYS.Negative, await read.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task GupInARegisteredRangeBlocksUntilFilledUnlessUserModeOnly()
    {
        using (var f = new UserfaultFixture())
        {
            var gup = Task.Run(() => f.Mm.GetUserPages(Base, 2, GupFlags.Write, new Page[2]));
            Assert.Equal(Base, (await f.NextMessage()).Address);
            Assert.Equal(Errno.OK, f.Ctx.Copy(Base, new byte[P], 0, out _));
            Assert.Equal(Base + P, (await f.NextMessage()).Address);
            Assert.Equal(Errno.OK, f.Ctx.Copy(Base + P, new byte[P], 0, out _));
            Assert.Equal(2, await gup.WaitAsync(s_timeout));
        }
        using (var f = new UserfaultFixture(flags: UserfaultCreateFlags.NonBlocking | UserfaultCreateFlags.UserModeOnly))
        {
            Assert.Equal(Errno.EFAULT.Negative, f.Mm.GetUserPages(Base, 1, GupFlags.Write, new Page[1]));
            Assert.Equal(PollEvents.None, f.Ctx.Poll());
        }
    }

    [Fact]
    public void SigbusFeatureFailsTheAccessWithoutAMessageAndDisabledFaultsNeverReachTheContext()
    {
        using (var f = new UserfaultFixture(UserfaultFeatures.Sigbus))
        {
            Assert.Equal(1, f.Mm.CopyFromUser(Base, new byte[1]));
            Assert.Equal(PollEvents.None, f.Ctx.Poll());
        }
        using (var f = new UserfaultFixture())
        {
            using (Faults.Disable()) Assert.Equal(1, f.Mm.CopyFromUser(Base, new byte[1]));
            Assert.Equal(PollEvents.None, f.Ctx.Poll());
        }
    }

    [Fact]
    public async Task UnregisterWakesThePendingFaultsOfTheRange()
    {
        using var f = new UserfaultFixture();
        var reader = f.ReadOnOtherThread(Base + 2 * P, 1);
        await f.NextMessage();
        Assert.Equal(Errno.OK, f.Ctx.Unregister(Base + 2 * P, P));
        Assert.Equal(0, await reader.WaitAsync(s_timeout));
        Assert.Same(Page.Zero, f.Mm.GetPte(Base + 2 * P)!.Page);
    }

    [Fact]
    public async Task SharedAnonymousMemoryUserfaultsOnMissingPagesAndCopyFillsTheSharedObject()
    {
        using var f = new UserfaultFixture(register: false);
        long shared = f.Mm.Mmap(0, 2 * P, Prot.Read | Prot.Write, MapFlags.Shared);
        Assert.True(shared > 0);
        ulong addr = (ulong)shared;
        Assert.Equal(Errno.EINVAL, f.Ctx.Register(addr, 2 * P, UserfaultModes.WriteProtect, out _));
        Assert.Equal(Errno.OK, f.Ctx.Register(addr, 2 * P, UserfaultModes.Missing, out _));
        var reader = f.ReadOnOtherThread(addr + P, 4);
        Assert.Equal(addr + P, (await f.NextMessage()).Address);
        Assert.Equal(Errno.OK, f.Ctx.Copy(addr + P, UserfaultFixture.Filled(0x33), 0, out _));
        Assert.Equal(0, await reader.WaitAsync(s_timeout));
        Assert.Equal(Errno.EEXIST, f.Ctx.Copy(addr + P, UserfaultFixture.Filled(0x44), 0, out _));

        // The page lives in the shared object: after DONTNEED it refaults from there without a message.
        Assert.Equal(Errno.OK, f.Mm.Madvise(addr + P, P, Advice.DontNeed));
        var back = new byte[1];
        Assert.Equal(0, f.Mm.CopyFromUser(addr + P, back));
        Assert.Equal(0x33, back[0]);
        Assert.Equal(Errno.OK, f.Ctx.ZeroPage(addr, P, 0, out _));
        Assert.Equal(0, f.Mm.CopyToUser(addr, [5]));
        Assert.False(f.Mm.GetPte(addr)!.Page!.IsZeroPage);
        Assert.Equal(PollEvents.None, f.Ctx.Poll());
    }
}
