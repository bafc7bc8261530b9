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
}
