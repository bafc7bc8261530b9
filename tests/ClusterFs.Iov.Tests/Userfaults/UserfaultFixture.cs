using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Userfaults;

namespace ClusterFs.Iov.Tests.Userfaults;

/// <summary>An address space with <see cref="Pages"/> anonymous pages at <see cref="Base"/> and a userfault
/// context that finished the handshake. Disposing releases the context first, so no test leaves a task
/// blocked in a userfault.</summary>
internal sealed class UserfaultFixture : IDisposable
{
    public const ulong Base = 0x8000_0000;
    public const int Pages = 8;
    public const int P = Page.Size;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public UserfaultFixture(UserfaultFeatures features = UserfaultFeatures.None,
        UserfaultCreateFlags flags = UserfaultCreateFlags.NonBlocking, bool register = true)
    {
        Mm = new AddressSpace();
        if (Mm.Mmap(Base, Pages * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed) != (long)Base)
            throw new InvalidOperationException("fixture mmap failed");
        if (!UserfaultContext.Create(Mm, flags, out var ctx).IsOk) throw new InvalidOperationException("create failed");
        Ctx = ctx!;
        var api = new UffdioApi(UffdioApi.Version, features, 0);
        if (!Ctx.Api(ref api).IsOk) throw new InvalidOperationException("handshake failed");
        if (register && !Ctx.Register(Base, Pages * P, UserfaultModes.Missing, out _).IsOk)
            throw new InvalidOperationException("register failed");
    }

    public AddressSpace Mm { get; }

    public UserfaultContext Ctx { get; }

    /// <summary>Starts a copy from user memory on another thread (it blocks in the userfault).</summary>
    public Task<long> ReadOnOtherThread(ulong addr, int length) => Task.Run(() => Mm.CopyFromUser(addr, new byte[length]));

    /// <summary>Starts a write of <paramref name="value"/> on another thread.</summary>
    public Task<long> WriteOnOtherThread(ulong addr, byte value) => Task.Run(() => Mm.CopyToUser(addr, [value]));

    /// <summary>The next fault message, or a failed test when none arrives in time.</summary>
    public async Task<UserfaultMessage> NextMessage()
    {
        var r = await Ctx.ReadAsync().WaitAsync(Timeout);
        Assert.Equal(Errno.OK, r.Error);
        return r.Message;
    }

    public static byte[] Filled(byte value, int pages = 1) => Enumerable.Repeat(value, pages * P).ToArray();

    public void Dispose()
    {
        Ctx.Dispose();
        Mm.Dispose();
    }
}
