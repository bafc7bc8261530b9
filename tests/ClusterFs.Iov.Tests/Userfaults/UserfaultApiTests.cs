using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Userfaults;

namespace ClusterFs.Iov.Tests.Userfaults;

public sealed class UserfaultApiTests
{
    private const int P = Page.Size;

    private static UserfaultContext NewContext(AddressSpace mm, UserfaultCreateFlags flags = UserfaultCreateFlags.NonBlocking)
    {
        Assert.Equal(Errno.OK, UserfaultContext.Create(mm, flags, out var ctx));
        return ctx!;
    }

    [Fact]
    public void CreateRejectsUnknownFlagsAndADisposedAddressSpace()
    {
        using var mm = new AddressSpace();
        Assert.Equal(Errno.EINVAL, UserfaultContext.Create(mm, (UserfaultCreateFlags)0x4, out var ctx));
        Assert.Null(ctx);
        Assert.Equal(Errno.OK, UserfaultContext.Create(mm, UserfaultCreateFlags.CloseOnExec | UserfaultCreateFlags.UserModeOnly, out ctx));
        ctx!.Dispose();
        var dead = new AddressSpace();
        dead.Dispose();
        Assert.Equal(Errno.ESRCH, UserfaultContext.Create(dead, UserfaultCreateFlags.None, out _));
    }

    [Fact]
    public async Task EveryOperationBeforeTheHandshakeFailsWithEinval()
    {
        using var mm = new AddressSpace();
        mm.Mmap(0x8000_0000, P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed);
        using var ctx = NewContext(mm);
        Assert.Equal(Errno.EINVAL, ctx.Register(0x8000_0000, P, UserfaultModes.Missing, out _));
        Assert.Equal(Errno.EINVAL, ctx.Unregister(0x8000_0000, P));
        Assert.Equal(Errno.EINVAL.Negative, ctx.Read(new UserfaultMessage[1]));
        Assert.Equal(Errno.EINVAL, (await ctx.ReadAsync()).Error);
        Assert.Equal(Errno.EINVAL, ctx.Wake(0x8000_0000, P));
        Assert.Equal(Errno.EINVAL, ctx.Copy(0x8000_0000, new byte[P], UserfaultCopyModes.None, out long copied));
        Assert.Equal(-22, copied);
        Assert.Equal(Errno.EINVAL, ctx.ZeroPage(0x8000_0000, P, UserfaultCopyModes.None, out _));
        Assert.Equal(PollEvents.Err, ctx.Poll());
    }

    [Fact]
    public void HandshakeReportsAllSupportedFeaturesButEnablesOnlyTheRequestedOnes()
    {
        using var mm = new AddressSpace();
        using var ctx = NewContext(mm);
        var api = new UffdioApi(UffdioApi.Version, UserfaultFeatures.ThreadId, 0);
        Assert.Equal(Errno.OK, ctx.Api(ref api));
        Assert.Equal(UserfaultContext.SupportedFeatures, api.Features);
        Assert.Equal(UserfaultIoctls.Register | UserfaultIoctls.Unregister | UserfaultIoctls.Api, api.Ioctls);
        Assert.Equal(UserfaultFeatures.ThreadId, ctx.Features);
    }

    [Fact]
    public void HandshakeRejectsAWrongVersionUnknownFeaturesAndASecondHandshakeZeroingTheStruct()
    {
        using var mm = new AddressSpace();
        using var ctx = NewContext(mm);
        var api = new UffdioApi(0xAB, UserfaultFeatures.None, UserfaultIoctls.Copy);
        Assert.Equal(Errno.EINVAL, ctx.Api(ref api));
        Assert.Equal(default, api);
        api = new UffdioApi(UffdioApi.Version, UserfaultFeatures.EventFork, 0);
        Assert.Equal(Errno.EINVAL, ctx.Api(ref api));
        Assert.Equal(default, api);
        api = new UffdioApi(UffdioApi.Version, UserfaultFeatures.None, 0);
        Assert.Equal(Errno.OK, ctx.Api(ref api));
        api = new UffdioApi(UffdioApi.Version, UserfaultFeatures.None, 0);
        Assert.Equal(Errno.EINVAL, ctx.Api(ref api));
        Assert.Equal(default, api);
    }

    [Fact]
    public async Task EveryOperationAfterReleaseFailsWithEbadf()
    {
        using var f = new UserfaultFixture();
        f.Ctx.Dispose();
        var api = new UffdioApi(UffdioApi.Version, 0, 0);
        Assert.Equal(Errno.EBADF, f.Ctx.Api(ref api));
        Assert.Equal(Errno.EBADF, f.Ctx.Register(UserfaultFixture.Base, P, UserfaultModes.Missing, out _));
        Assert.Equal(Errno.EBADF, f.Ctx.Unregister(UserfaultFixture.Base, P));
        Assert.Equal(Errno.EBADF.Negative, f.Ctx.Read(new UserfaultMessage[1]));
        Assert.Equal(Errno.EBADF, (await f.Ctx.ReadAsync()).Error);
        Assert.Equal(Errno.EBADF, f.Ctx.Wake(UserfaultFixture.Base, P));
        Assert.Equal(Errno.EBADF, f.Ctx.Copy(UserfaultFixture.Base, new byte[P], 0, out _));
        Assert.Equal(Errno.EBADF, f.Ctx.ZeroPage(UserfaultFixture.Base, P, 0, out _));
        Assert.True((f.Ctx.Poll() & PollEvents.Hup) != 0);
        f.Ctx.Dispose();
    }

    [Fact]
    public void RegisterReturnsTheRangeIoctlsForItsModes()
    {
        using var f = new UserfaultFixture(register: false);
        Assert.Equal(Errno.OK, f.Ctx.Register(UserfaultFixture.Base, P, UserfaultModes.Missing, out var ioctls));
        Assert.Equal(UserfaultIoctls.Wake | UserfaultIoctls.Copy | UserfaultIoctls.ZeroPage, ioctls);
        Assert.Equal(Errno.OK, f.Ctx.Register(UserfaultFixture.Base + P, P, UserfaultModes.Missing | UserfaultModes.WriteProtect, out ioctls));
        Assert.True((ioctls & UserfaultIoctls.WriteProtect) != 0);
    }

    [Fact]
    public void RegisterRejectsBadModesRangesAndMemoryThatCannotUserfault()
    {
        using var f = new UserfaultFixture(register: false);
        ulong b = UserfaultFixture.Base;
        Assert.Equal(Errno.EINVAL, f.Ctx.Register(b, P, UserfaultModes.None, out _));
        Assert.Equal(Errno.EINVAL, f.Ctx.Register(b, P, (UserfaultModes)8, out _));
        Assert.Equal(Errno.EINVAL, f.Ctx.Register(b, P, UserfaultModes.Minor, out _));
        Assert.Equal(Errno.EINVAL, f.Ctx.Register(b + 1, P, UserfaultModes.Missing, out _));
        Assert.Equal(Errno.EINVAL, f.Ctx.Register(b, P + 1, UserfaultModes.Missing, out _));
        Assert.Equal(Errno.EINVAL, f.Ctx.Register(b, 0, UserfaultModes.Missing, out _));
        Assert.Equal(Errno.EINVAL, f.Ctx.Register(b, -P, UserfaultModes.Missing, out _));
        Assert.Equal(Errno.EINVAL, f.Ctx.Register(0x1000, P, UserfaultModes.Missing, out _));
        Assert.Equal(Errno.EINVAL, f.Ctx.Register(AddressSpace.TaskSize - P, 2 * P, UserfaultModes.Missing, out _));
        Assert.Equal(Errno.EINVAL, f.Ctx.Register(b + 64 * (ulong)P, P, UserfaultModes.Missing, out _));
        long file = f.Mm.MmapFile(0, P, Prot.Read, MapFlags.Shared, new VmMapping(new Mm.CountingVmOperations()), 0);
        Assert.Equal(Errno.EINVAL, f.Ctx.Register((ulong)file, P, UserfaultModes.Missing, out _));
        Assert.Equal(0, f.Mm.Vmas().Count(v => v.UserfaultModes != UserfaultModes.None));
    }

    [Fact]
    public void ARangeOwnedByAnotherContextIsBusyButTheOwnerMayRegisterAgain()
    {
        using var f = new UserfaultFixture();
        Assert.Equal(Errno.OK, UserfaultContext.Create(f.Mm, UserfaultCreateFlags.None, out var other));
        using var o = other!;
        var api = new UffdioApi(UffdioApi.Version, 0, 0);
        Assert.Equal(Errno.OK, o.Api(ref api));
        Assert.Equal(Errno.EBUSY, o.Register(UserfaultFixture.Base + P, P, UserfaultModes.Missing, out _));
        Assert.Equal(Errno.OK, f.Ctx.Register(UserfaultFixture.Base + P, P, UserfaultModes.Missing | UserfaultModes.WriteProtect, out _));
    }

    [Fact]
    public void RegisteringPartOfAVmaSplitsItAtTheRangeEnds()
    {
        using var f = new UserfaultFixture(register: false);
        Assert.Equal(Errno.OK, f.Ctx.Register(UserfaultFixture.Base + 2 * P, 3 * P, UserfaultModes.Missing, out _));
        var vmas = f.Mm.Vmas();
        Assert.Equal(3, vmas.Count);
        Assert.Equal(UserfaultModes.Missing, vmas[1].UserfaultModes);
        Assert.Equal((UserfaultFixture.Base + 2 * P, UserfaultFixture.Base + 5 * P), (vmas[1].Start, vmas[1].End));
        Assert.Equal(UserfaultModes.None, vmas[0].UserfaultModes | vmas[2].UserfaultModes);
    }

    [Fact]
    public void AfterUnregisterFaultsAreHandledNormally()
    {
        using var f = new UserfaultFixture();
        Assert.Equal(Errno.OK, f.Ctx.Unregister(UserfaultFixture.Base, UserfaultFixture.Pages * P));
        Assert.Equal(0, f.Mm.CopyFromUser(UserfaultFixture.Base, new byte[P]));
        Assert.Same(Page.Zero, f.Mm.GetPte(UserfaultFixture.Base)!.Page);
        Assert.Equal(PollEvents.None, f.Ctx.Poll());
        Assert.Equal(Errno.EINVAL, f.Ctx.Unregister(UserfaultFixture.Base + 64 * (ulong)P, P));
    }

    [Fact]
    public void OperationsOnAContextWhoseAddressSpaceIsGoneReturnEsrch()
    {
        var f = new UserfaultFixture(register: false);
        f.Mm.Dispose();
        Assert.Equal(Errno.ESRCH, f.Ctx.Register(UserfaultFixture.Base, P, UserfaultModes.Missing, out _));
        Assert.Equal(Errno.ESRCH, f.Ctx.Copy(UserfaultFixture.Base, new byte[P], 0, out long copied));
        Assert.Equal(Errno.ESRCH.Negative, copied);
        Assert.Equal(Errno.ESRCH, f.Ctx.Unregister(UserfaultFixture.Base, P));
        f.Dispose();
    }
}
