using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Userfaults;

namespace ClusterFs.Iov.Tests.Userfaults;

public sealed class UserfaultWriteProtectTests
{
    private const int P = Page.Size;
    private const ulong Base = UserfaultFixture.Base;
    private static readonly TimeSpan s_timeout = UserfaultFixture.Timeout;

    private static UserfaultFixture WpFixture(UserfaultFeatures features = UserfaultFeatures.None)
    {
        var f = new UserfaultFixture(features, register: false);
        Assert.Equal(Errno.OK, f.Ctx.Register(Base, UserfaultFixture.Pages * P, UserfaultModes.WriteProtect, out _));
        return f;
    }

    [Fact]
    public async Task AWriteToAProtectedPageBlocksWithAWpMessageUntilUnprotected()
    {
        using var f = WpFixture();
        Assert.Equal(0, f.Mm.CopyToUser(Base, UserfaultFixture.Filled(4)));
        Assert.Equal(Errno.OK, f.Ctx.WriteProtect(Base, P, WriteProtectModes.WriteProtect));
        Assert.True(f.Mm.GetPte(Base)!.IsUffdWp);
        Assert.Equal(0, f.Mm.CopyFromUser(Base, new byte[P])); // reads are not affected

        var writer = f.WriteOnOtherThread(Base + 10, 99);
        var msg = await f.NextMessage();
        Assert.Equal(PagefaultFlags.Write | PagefaultFlags.WriteProtect, msg.Flags);
        Assert.Equal(Base, msg.Address);
        Assert.False(writer.IsCompleted);
        Assert.Equal(Errno.OK, f.Ctx.WriteProtect(Base, P, WriteProtectModes.None));
        Assert.Equal(0, await writer.WaitAsync(s_timeout));
        var back = new byte[11];
        f.Mm.CopyFromUser(Base, back);
        Assert.Equal(99, back[10]);
        Assert.Equal(4, back[9]);
    }

    [Fact]
    public async Task UnprotectWithDontWakeLeavesTheWriterBlockedUntilAWake()
    {
        using var f = WpFixture();
        Assert.Equal(0, f.Mm.CopyToUser(Base + P, new byte[1]));
        Assert.Equal(Errno.OK, f.Ctx.WriteProtect(Base + P, P, WriteProtectModes.WriteProtect));
        var writer = f.WriteOnOtherThread(Base + P, 1);
        await f.NextMessage();
        Assert.Equal(Errno.OK, f.Ctx.WriteProtect(Base + P, P, WriteProtectModes.DontWake));
        Assert.False(writer.IsCompleted);
        Assert.Equal(Errno.OK, f.Ctx.Wake(Base + P, P));
        Assert.Equal(0, await writer.WaitAsync(s_timeout));
    }

    [Fact]
    public void WriteProtectRejectsBadModesAndRangesNotRegisteredForWp()
    {
        using var f = new UserfaultFixture(); // registered MISSING only
        Assert.Equal(Errno.EINVAL, f.Ctx.WriteProtect(Base, P, WriteProtectModes.WriteProtect | WriteProtectModes.DontWake));
        Assert.Equal(Errno.EINVAL, f.Ctx.WriteProtect(Base, P, (WriteProtectModes)4));
        Assert.Equal(Errno.EINVAL, f.Ctx.WriteProtect(Base + 1, P, WriteProtectModes.WriteProtect));
        Assert.Equal(Errno.ENOENT, f.Ctx.WriteProtect(Base, P, WriteProtectModes.WriteProtect));
        Assert.Equal(Errno.ENOENT, f.Ctx.WriteProtect(Base + 64 * (ulong)P, P, WriteProtectModes.WriteProtect));
        Assert.Equal(Errno.EINVAL, f.Ctx.ScanWritten(Base, P, false, new List<ulong>()));
    }

    [Fact]
    public void AsynchronousWpRecordsWrittenPagesWithoutMessagesAndTheScanCanReArm()
    {
        using var f = WpFixture(UserfaultFeatures.WpAsync);
        Assert.True((f.Ctx.Features & UserfaultFeatures.WpUnpopulated) != 0);
        Assert.Equal(0, f.Mm.CopyToUser(Base, UserfaultFixture.Filled(1, 2)));
        Assert.Equal(Errno.OK, f.Ctx.WriteProtect(Base, UserfaultFixture.Pages * P, WriteProtectModes.WriteProtect));
        var written = new List<ulong>();
        Assert.Equal(Errno.OK, f.Ctx.ScanWritten(Base, UserfaultFixture.Pages * P, false, written));
        Assert.Empty(written);

        // Page 1 was populated and protected; page 5 was never touched (armed with a marker).
        Assert.Equal(0, f.Mm.CopyToUser(Base + P + 7, [2]));
        Assert.Equal(0, f.Mm.CopyToUser(Base + 5 * P, [3]));
        Assert.Equal(0, f.Mm.CopyFromUser(Base + 6 * P, new byte[1])); // a read is not a write
        Assert.Equal(PollEvents.None, f.Ctx.Poll());
        Assert.Equal(Errno.OK, f.Ctx.ScanWritten(Base, UserfaultFixture.Pages * P, true, written));
        Assert.Equal([Base + P, Base + 5 * P], written);

        written.Clear();
        Assert.Equal(Errno.OK, f.Ctx.ScanWritten(Base, UserfaultFixture.Pages * P, false, written));
        Assert.Empty(written);
        Assert.Equal(0, f.Mm.CopyToUser(Base + 5 * P + 1, [4]));
        Assert.Equal(Errno.OK, f.Ctx.ScanWritten(Base, UserfaultFixture.Pages * P, false, written));
        Assert.Equal([Base + 5 * P], written);
        var back = new byte[2];
        f.Mm.CopyFromUser(Base + 5 * P, back);
        Assert.Equal([3, 4], back);
    }

    [Fact]
    public async Task AWriteToAnUntouchedPageArmedWithAMarkerIsReportedAsWp()
    {
        using var f = WpFixture(UserfaultFeatures.WpUnpopulated);
        Assert.Equal(Errno.OK, f.Ctx.WriteProtect(Base + 3 * P, P, WriteProtectModes.WriteProtect));
        Assert.Equal(0, f.Mm.CopyFromUser(Base + 3 * P, new byte[1])); // read: zero page, still protected
        Assert.True(f.Mm.GetPte(Base + 3 * P)!.IsUffdWp);
        var writer = f.WriteOnOtherThread(Base + 3 * P, 8);
        Assert.Equal(PagefaultFlags.Write | PagefaultFlags.WriteProtect, (await f.NextMessage()).Flags);
        Assert.Equal(Errno.OK, f.Ctx.WriteProtect(Base + 3 * P, P, WriteProtectModes.None));
        Assert.Equal(0, await writer.WaitAsync(s_timeout));
        Assert.Equal(8, f.Mm.GetPte(Base + 3 * P)!.Page!.Span[0]);
    }
}
