using ClusterFs.Fs.Api;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>Replaying a dead node's journal must not undo what another node changed after the dead node let its glocks
/// go: a node checkpoints its journal before a glock protecting metadata leaves EX.</summary>
[Collection(IoCollection.Name)]
public sealed class RecoveryAfterHandoffTests
{
    [Fact]
    public void Replaying_a_dead_nodes_journal_keeps_the_survivors_later_changes_to_the_same_metadata()
    {
        var dev = NewDevice(journals: 2, protocol: "lock_inproc");
        var space = new InProcessLockSpace(LockTable, 2);
        var n1 = Mount(dev, space.CreateManager(), "n1");
        var n2 = Mount(dev, space.CreateManager(), "n2");
        using (var p1 = new FsProcess(n1))
        {
            Ok(p1.Mkdir("/d"));
            long fd = p1.Open("/d/f", OpenFlags.Create | OpenFlags.ReadWrite, 0x1A4);
            Assert.True(fd >= 0, $"open: {fd}");
            Assert.Equal(5000, p1.Write((int)fd, Pattern(5000, 1)));
            Ok(p1.Close((int)fd));
        }
        using (var p2 = new FsProcess(n2))
        {
            // The same dinode, directory and bitmap blocks node 1 logged: now changed by node 2.
            Ok(p2.Chmod("/d/f", 0x180));
            Ok(p2.Rename("/d/f", "/d/g"));
            Ok(p2.Mkdir("/d/e"));
        }

        Assert.True(space.KillNode(n1.JournalId));
        Assert.True(n2.WaitForRecoveries(TimeSpan.FromSeconds(10)));
        using (var p2 = new FsProcess(n2))
        {
            Ok(p2.Stat("/d/g", out var g));
            Assert.Equal(0x180u, g!.Mode & 0xFFF);
            Assert.Equal(Errno.ENOENT, p2.Stat("/d/f", out _));
            Ok(p2.Stat("/d/e", out _));
        }
        n2.Dispose();
        n1.Dispose();
        AssertFsckClean(dev);
    }
}
