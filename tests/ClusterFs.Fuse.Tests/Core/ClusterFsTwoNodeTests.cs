using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Storage;
using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>
/// Two FUSE mounts of one image as two nodes of a cluster (the in-process lock manager: one lock space, two
/// managers): data written through one kernel mount is read through the other, which needs the writer's glock to
/// demote the reader's (whose Invalidate queues a notify_inval_inode that drops the reader's kernel cache).
/// </summary>
public sealed class ClusterFsTwoNodeTests : IDisposable
{
    private const string Table = "test:fs";
    private readonly string _dir = Directory.CreateTempSubdirectory("clusterfs-2n-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TwoNodeImage()
    {
        return ClusterFsMount.FormatSharedImage(_dir, Table);
    }

    [Fact]
    public void Flock_excludes_across_nodes_and_between_open_files_of_one_node()
    {
        string image = TwoNodeImage();
        var space = new InProcessLockSpace(Table, 2);
        using (var a = ClusterFsMount.Join(image, space.CreateManager()))
        using (var b = ClusterFsMount.Join(image, space.CreateManager()))
        {
            File.WriteAllText(a.PathOf("lockfile"), "l");
            int fa = Libc.OpenOrThrow(a.PathOf("lockfile"), Libc.O_RDWR);
            int fa2 = Libc.OpenOrThrow(a.PathOf("lockfile"), Libc.O_RDWR);
            int fb = Libc.OpenOrThrow(b.PathOf("lockfile"), Libc.O_RDWR);
            try
            {
                Assert.Equal(0, Libc.flock(fa, Libc.LOCK_EX | Libc.LOCK_NB));
                // Another node: refused by the flock glock.
                Assert.Equal(-1, Libc.flock(fb, Libc.LOCK_SH | Libc.LOCK_NB));
                Assert.Equal(Libc.EAGAIN, Libc.Errno);
                // Another open file of the same node: refused by the local table.
                Assert.Equal(-1, Libc.flock(fa2, Libc.LOCK_EX | Libc.LOCK_NB));
                Assert.Equal(Libc.EAGAIN, Libc.Errno);
                // A blocking request on the other node is granted once the holder unlocks.
                int waited = -2;
                var waiter = new Thread(() => waited = Libc.flock(fb, Libc.LOCK_EX)) { IsBackground = true };
                waiter.Start();
                Assert.False(waiter.Join(TimeSpan.FromMilliseconds(300)), "flock was granted while another node held it");
                Assert.Equal(0, Libc.flock(fa, Libc.LOCK_UN));
                Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), "the waiting flock was not granted after the unlock");
                Assert.Equal(0, waited);
                Assert.Equal(-1, Libc.flock(fa, Libc.LOCK_SH | Libc.LOCK_NB));
                Assert.Equal(Libc.EAGAIN, Libc.Errno);
            }
            finally
            {
                Libc.close(fa);
                Libc.close(fa2);
                Libc.close(fb); // releases b's lock (release with flock-unlock)
            }
            // The kernel sends RELEASE (and b's unlock) asynchronously after close, and the remote glock demotes
            // asynchronously too, so a LOCK_NB here could race it: wait (bounded) for the lock instead.
            int again = Libc.OpenOrThrow(a.PathOf("lockfile"), Libc.O_RDWR);
            try
            {
                int got = -2;
                var locker = new Thread(() => got = Libc.flock(again, Libc.LOCK_EX)) { IsBackground = true };
                locker.Start();
                Assert.True(locker.Join(TimeSpan.FromSeconds(10)), "closing the holder's file did not release its flock");
                Assert.Equal(0, got);
            }
            finally
            {
                Libc.close(again);
            }
        }
        var report = ClusterFsMount.FsckImage(image);
        Assert.True(report.Problems.Count == 0 && report.OperationalError is null, string.Join("; ", report.Problems) + report.OperationalError);
    }

    [Fact]
    public void Writes_through_one_mount_are_read_through_the_other_after_the_glock_moves()
    {
        string image = TwoNodeImage();
        var space = new InProcessLockSpace(Table, 2);
        using (var a = ClusterFsMount.Join(image, space.CreateManager()))
        using (var b = ClusterFsMount.Join(image, space.CreateManager()))
        {
            File.WriteAllText(a.PathOf("shared"), "first version");
            Assert.Equal("first version", File.ReadAllText(b.PathOf("shared")));
            long sentBefore = b.Fs.InvalidationsSent;
            File.WriteAllText(a.PathOf("shared"), "the second, longer version");
            // a's EX request demoted b's glock; b's kernel cache is dropped by its invalidation thread.
            Assert.True(SpinWait.SpinUntil(() => b.Fs.InvalidationsSent > sentBefore, TimeSpan.FromSeconds(10)),
                "no notify_inval_inode was sent for the reader's mount");
            Assert.Equal("the second, longer version", File.ReadAllText(b.PathOf("shared")));
            Directory.CreateDirectory(b.PathOf("from-b"));
            File.WriteAllText(Path.Combine(b.PathOf("from-b"), "x"), "made on b");
            Assert.Equal("made on b", File.ReadAllText(Path.Combine(a.PathOf("from-b"), "x")));
        }
        var report = ClusterFsMount.FsckImage(image);
        Assert.True(report.Problems.Count == 0 && report.OperationalError is null, string.Join("; ", report.Problems) + report.OperationalError);
    }
}
