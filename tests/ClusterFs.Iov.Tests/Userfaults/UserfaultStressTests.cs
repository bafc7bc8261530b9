using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Userfaults;

namespace ClusterFs.Iov.Tests.Userfaults;

public sealed class UserfaultStressTests
{
    private const int P = Page.Size;
    private const ulong Base = 0x9000_0000;

    private static byte Pattern(long page) => (byte)(page * 7 + 3);

    [Fact]
    public async Task FourFaultingThreadsAndOneResolverOverTenThousandFaultsNeverLeaveATaskBlocked()
    {
        const int perThread = 2500, stride = 2000, threads = 4;
        const int pages = stride * (threads - 1) + perThread;
        using var mm = new AddressSpace();
        Assert.Equal((long)Base, mm.Mmap(Base, (long)pages * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed));
        Assert.Equal(Errno.OK, UserfaultContext.Create(mm, UserfaultCreateFlags.None, out var created));
        using var ctx = created!;
        var api = new UffdioApi(UffdioApi.Version, 0, 0);
        Assert.Equal(Errno.OK, ctx.Api(ref api));
        Assert.Equal(Errno.OK, ctx.Register(Base, (long)pages * P, UserfaultModes.Missing, out _));

        long messages = 0, copies = 0, exists = 0;
        var resolver = Task.Factory.StartNew(() =>
        {
            var batch = new UserfaultMessage[16];
            var data = new byte[P];
            while (true)
            {
                long n = ctx.Read(batch);
                if (n < 0) return Errno.FromResult(n); // EBADF once the test releases the context
                for (int i = 0; i < n; i++)
                {
                    messages++;
                    long page = (long)((batch[i].Address - Base) / P);
                    Array.Fill(data, Pattern(page));
                    // EEXIST: another message for the same page was answered already; the copy that
                    // filled it woke every waiter, so no WAKE here (that would hide a missed wake-up).
                    var r = ctx.Copy(batch[i].Address, data, UserfaultCopyModes.None, out _);
                    if (r.IsOk) copies++;
                    else if (r == Errno.EEXIST) exists++;
                    else return r;
                }
            }
        }, TaskCreationOptions.LongRunning);

        var faulters = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            var one = new byte[1];
            for (int i = 0; i < perThread; i++)
            {
                long page = (long)t * stride + i;
                if (mm.CopyFromUser(Base + (ulong)page * P + (ulong)(i % P), one) != 0 || one[0] != Pattern(page))
                    return $"thread {t} page {page}: got {one[0]}";
            }
            return null;
        }, TaskCreationOptions.LongRunning)).ToArray();

        var results = await Task.WhenAll(faulters).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(results, Assert.Null);
        ctx.Dispose();
        Assert.Equal(Errno.EBADF, await resolver.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(pages, copies);
        Assert.Equal(messages, copies + exists);
    }

    [Fact]
    public async Task ACopyRacingWithTheReadOfItsMessageNeedsNoSecondWake()
    {
        using var f = new UserfaultFixture();
        for (int round = 0; round < 200; round++)
        {
            ulong page = UserfaultFixture.Base + (ulong)(round % UserfaultFixture.Pages) * P;
            var faulter = f.ReadOnOtherThread(page, 1);
            Assert.True(SpinWait.SpinUntil(() => (f.Ctx.Poll() & PollEvents.In) != 0, UserfaultFixture.Timeout));
            using var start = new Barrier(2);
            var reader = Task.Run(() =>
            {
                start.SignalAndWait(UserfaultFixture.Timeout);
                return f.Ctx.Read(new UserfaultMessage[1]);
            });
            var copier = Task.Run(() =>
            {
                start.SignalAndWait(UserfaultFixture.Timeout);
                return f.Ctx.Copy(page, new byte[P], UserfaultCopyModes.None, out _);
            });
            Assert.Equal(Errno.OK, await copier.WaitAsync(UserfaultFixture.Timeout));
            // The read either took the message or found nothing left (the copy woke and removed it).
            Assert.Contains(await reader.WaitAsync(UserfaultFixture.Timeout), new[] { 1L, Errno.EAGAIN.Negative });
            Assert.Equal(0, await faulter.WaitAsync(UserfaultFixture.Timeout));
            Assert.Equal(Errno.OK, f.Mm.Madvise(page, P, Advice.DontNeed));
        }
    }

    [Fact]
    public async Task UserfaultsResolvingWhileTheLayoutChurnsNeitherHangNorThrow()
    {
        using var mm = new AddressSpace();
        const int pages = 64;
        Assert.Equal((long)Base, mm.Mmap(Base, pages * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed));
        Assert.Equal(Errno.OK, UserfaultContext.Create(mm, UserfaultCreateFlags.None, out var created));
        using var ctx = created!;
        var api = new UffdioApi(UffdioApi.Version, 0, 0);
        Assert.Equal(Errno.OK, ctx.Api(ref api));
        Assert.Equal(Errno.OK, ctx.Register(Base, pages * P, UserfaultModes.Missing, out _));
        using var done = new CancellationTokenSource();

        var resolver = Task.Factory.StartNew(() =>
        {
            var batch = new UserfaultMessage[8];
            while (true)
            {
                long n = ctx.Read(batch);
                if (n < 0) return;
                for (int i = 0; i < n; i++)
                {
                    // A fill can fail when the churn unmapped or unregistered the page meanwhile (ENOENT) or
                    // it is already there (EEXIST); a handler then wakes the waiter so it refaults.
                    if (!ctx.Copy(batch[i].Address, new byte[P], UserfaultCopyModes.None, out _).IsOk)
                        ctx.Wake(batch[i].Address, P);
                }
            }
        }, TaskCreationOptions.LongRunning);
        var faulters = Enumerable.Range(0, 2).Select(t => Task.Factory.StartNew(() =>
        {
            var rng = new Random(t);
            for (int i = 0; i < 2000; i++)
            {
                ulong page = Base + (ulong)rng.Next(pages) * P;
                mm.CopyFromUser(page, new byte[1]); // may fail short while the page is PROT_NONE or unmapped
                if (i % 7 == 0) mm.Madvise(page, P, Advice.DontNeed);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        var churn = Task.Factory.StartNew(() =>
        {
            var rng = new Random(99);
            while (!done.IsCancellationRequested)
            {
                ulong page = Base + (ulong)rng.Next(pages) * P;
                mm.Mprotect(page, P, Prot.None);
                mm.Mprotect(page, P, Prot.Read | Prot.Write);
                ctx.Unregister(page, P);
                ctx.Register(page, P, UserfaultModes.Missing, out _);
                mm.Munmap(page, P);
                mm.Mmap(page, P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed);
                ctx.Register(page, P, UserfaultModes.Missing, out _);
            }
        }, TaskCreationOptions.LongRunning);

        try
        {
            await Task.WhenAll(faulters).WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            done.Cancel();
            ctx.Dispose(); // wakes anything still blocked, ends the resolver
        }
        await churn.WaitAsync(TimeSpan.FromSeconds(10));
        await resolver.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
