using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Userfaults;

namespace ClusterFs.Iov.Tests.Userfaults;

public sealed class UserfaultLockingTests
{
    private const int P = Page.Size;
    private const ulong Base = UserfaultFixture.Base;
    private static readonly TimeSpan s_timeout = UserfaultFixture.Timeout;

    [Fact]
    public async Task ABlockedUserfaultHoldsNoLockSoLayoutChangesProceedOnOtherVmasAndItsOwn()
    {
        using var f = new UserfaultFixture();
        ulong other = Base + 32 * (ulong)P;
        Assert.Equal((long)other, f.Mm.Mmap(other, 4 * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed));
        var reader = f.ReadOnOtherThread(Base, 1);
        await f.NextMessage();

        var layout = Task.Run(() => new[]
        {
            f.Mm.Mprotect(other, P, Prot.Read),
            f.Mm.Munmap(other + 2 * P, P),
            f.Mm.Mprotect(Base + 4 * P, P, Prot.Read), // splits the VMA the fault is blocked in
            f.Mm.Mmap(other + 8 * P, P, Prot.Read, MapFlags.Private | MapFlags.Fixed) > 0 ? Errno.OK : Errno.ENOMEM,
        });
        Assert.All(await layout.WaitAsync(s_timeout), e => Assert.Equal(Errno.OK, e));
        Assert.False(reader.IsCompleted);

        Assert.Equal(Errno.OK, f.Ctx.Copy(Base, UserfaultFixture.Filled(6), 0, out _));
        Assert.Equal(0, await reader.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task TheWokenFaultIsRetriedFromScratchAgainstTheNewLayout()
    {
        using var f = new UserfaultFixture();
        var writer = f.WriteOnOtherThread(Base + 2 * P, 1);
        await f.NextMessage();
        Assert.Equal(Errno.OK, f.Mm.Mprotect(Base + 2 * P, P, Prot.Read));
        Assert.Equal(Errno.OK, f.Ctx.Wake(Base + 2 * P, P));
        // The retry sees a read-only VMA: a permission fault, so the write fails.
        Assert.Equal(1, await writer.WaitAsync(s_timeout));
    }
}
