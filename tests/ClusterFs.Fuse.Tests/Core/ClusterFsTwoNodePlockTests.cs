using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Storage;
using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>
/// POSIX record locks (fcntl F_SETLK/F_GETLK/F_SETLKW and OFD locks) through two FUSE mounts of one image, two nodes of
/// an in-process lock space: a lock taken through one kernel mount is seen by requests through the other. The test
/// process is the lock owner on both mounts, so every conflict here is one between nodes (same owner, other node).
/// </summary>
public sealed class ClusterFsTwoNodePlockTests : IDisposable
{
    private const string Table = "test:plock";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);
    private readonly string _dir = Directory.CreateTempSubdirectory("clusterfs-plock-").FullName;
    private readonly InProcessLockSpace _space = new(Table, 2);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TwoNodeImage()
    {
        return ClusterFsMount.FormatSharedImage(_dir, Table);
    }

    private static Libc.Flock Lock(short type, long start, long len) => new() { Type = type, Start = start, Len = len };

    /// <summary>Runs a blocking fcntl on its own thread; the caller joins it (bounded) and reads the result.</summary>
    private static (Thread Thread, Func<(int Result, int Errno)> Outcome) StartBlocking(int fd, int cmd, Libc.Flock lk)
    {
        (int, int) outcome = (-2, 0);
        var t = new Thread(() =>
        {
            int r = Libc.fcntl_lock(fd, cmd, ref lk);
            outcome = (r, r < 0 ? Libc.Errno : 0);
        }) { IsBackground = true };
        t.Start();
        return (t, () => outcome);
    }

    private void WithTwoNodes(Action<ClusterFsMount, ClusterFsMount> test)
    {
        string image = TwoNodeImage();
        using (var a = ClusterFsMount.Join(image, _space.CreateManager()))
        using (var b = ClusterFsMount.Join(image, _space.CreateManager()))
        {
            File.WriteAllText(a.PathOf("locked"), "0123456789");
            test(a, b);
        }
        var report = ClusterFsMount.FsckImage(image);
        Assert.True(report.Problems.Count == 0 && report.OperationalError is null, string.Join("; ", report.Problems) + report.OperationalError);
    }

    [Fact]
    public void A_write_lock_on_one_node_makes_setlk_on_the_other_fail_with_eagain_and_getlk_report_it() => WithTwoNodes((a, b) =>
    {
        int fa = Libc.OpenOrThrow(a.PathOf("locked"), Libc.O_RDWR);
        int fb = Libc.OpenOrThrow(b.PathOf("locked"), Libc.O_RDWR);
        try
        {
            var held = Lock(Libc.F_WRLCK, 0, 100);
            Assert.Equal(0, Libc.fcntl_lock(fa, Libc.F_SETLK, ref held));

            var want = Lock(Libc.F_RDLCK, 50, 10);
            Assert.Equal(-1, Libc.fcntl_lock(fb, Libc.F_SETLK, ref want));
            Assert.Equal(Libc.EAGAIN, Libc.Errno);

            var probe = Lock(Libc.F_WRLCK, 10, 0);
            Assert.Equal(0, Libc.fcntl_lock(fb, Libc.F_GETLK, ref probe));
            Assert.Equal((Libc.F_WRLCK, 0L, 100L, Environment.ProcessId), (probe.Type, probe.Start, probe.Len, probe.Pid));

            // Ranges that do not overlap are granted on both nodes.
            var beside = Lock(Libc.F_WRLCK, 100, 0);
            Assert.Equal(0, Libc.fcntl_lock(fb, Libc.F_SETLK, ref beside));
            var probeA = Lock(Libc.F_WRLCK, 0, 100);
            Assert.Equal(0, Libc.fcntl_lock(fa, Libc.F_GETLK, ref probeA));
            Assert.Equal(Libc.F_UNLCK, probeA.Type);
            Assert.Equal(0, Libc.stat(a.PathOf("locked"), out var st));
            Assert.Equal(2, _space.PosixLocks.Locks(st.Ino).Count); // held in the cluster table, not in either kernel
        }
        finally
        {
            Libc.close(fa);
            Libc.close(fb);
        }
    });

    [Fact]
    public void Setlkw_on_one_node_waits_and_is_granted_when_the_other_node_unlocks() => WithTwoNodes((a, b) =>
    {
        int fa = Libc.OpenOrThrow(a.PathOf("locked"), Libc.O_RDWR);
        int fb = Libc.OpenOrThrow(b.PathOf("locked"), Libc.O_RDWR);
        try
        {
            var held = Lock(Libc.F_WRLCK, 0, 0);
            Assert.Equal(0, Libc.fcntl_lock(fa, Libc.F_SETLK, ref held));
            var (waiter, outcome) = StartBlocking(fb, Libc.F_SETLKW, Lock(Libc.F_WRLCK, 5, 1));
            Assert.True(_space.PosixLocks.WaitForWaiters(1, s_bound), "node B's SETLKW never reached the lock table");
            Assert.True(waiter.IsAlive, "SETLKW returned while the other node held the lock");
            var unlock = Lock(Libc.F_UNLCK, 0, 0);
            Assert.Equal(0, Libc.fcntl_lock(fa, Libc.F_SETLK, ref unlock));
            Assert.True(waiter.Join(s_bound), "SETLKW was not granted after the unlock");
            Assert.Equal((0, 0), outcome());
            var probe = Lock(Libc.F_RDLCK, 0, 0);
            Assert.Equal(0, Libc.fcntl_lock(fa, Libc.F_GETLK, ref probe));
            Assert.Equal((Libc.F_WRLCK, 5L, 1L), (probe.Type, probe.Start, probe.Len));
        }
        finally
        {
            Libc.close(fa);
            Libc.close(fb);
        }
    });

    [Fact]
    public void Closing_the_holders_descriptor_releases_its_locks_for_the_other_node() => WithTwoNodes((a, b) =>
    {
        int fa = Libc.OpenOrThrow(a.PathOf("locked"), Libc.O_RDWR);
        int fb = Libc.OpenOrThrow(b.PathOf("locked"), Libc.O_RDWR);
        try
        {
            var held = Lock(Libc.F_WRLCK, 0, 10);
            Assert.Equal(0, Libc.fcntl_lock(fa, Libc.F_SETLK, ref held));
            var (waiter, outcome) = StartBlocking(fb, Libc.F_SETLKW, Lock(Libc.F_WRLCK, 0, 10));
            Assert.True(_space.PosixLocks.WaitForWaiters(1, s_bound), "node B's SETLKW never reached the lock table");
            Libc.close(fa); // flush: the kernel sends no unlock, the filesystem drops the owner's locks
            fa = -1;
            Assert.True(waiter.Join(s_bound), "closing the holder's descriptor did not release its lock");
            Assert.Equal((0, 0), outcome());
        }
        finally
        {
            if (fa >= 0) Libc.close(fa);
            Libc.close(fb);
        }
    });

    [Fact]
    public void Ofd_locks_conflict_across_nodes_and_are_released_when_their_file_is_closed() => WithTwoNodes((a, b) =>
    {
        int fa = Libc.OpenOrThrow(a.PathOf("locked"), Libc.O_RDWR);
        int fb = Libc.OpenOrThrow(b.PathOf("locked"), Libc.O_RDWR);
        try
        {
            var held = Lock(Libc.F_WRLCK, 0, 0);
            Assert.Equal(0, Libc.fcntl_lock(fa, Libc.F_OFD_SETLK, ref held));
            var want = Lock(Libc.F_RDLCK, 3, 1);
            Assert.Equal(-1, Libc.fcntl_lock(fb, Libc.F_OFD_SETLK, ref want));
            Assert.Equal(Libc.EAGAIN, Libc.Errno);
            var (waiter, outcome) = StartBlocking(fb, Libc.F_OFD_SETLKW, Lock(Libc.F_RDLCK, 3, 1));
            Assert.True(_space.PosixLocks.WaitForWaiters(1, s_bound), "node B's OFD SETLKW never reached the lock table");
            Libc.close(fa); // the OFD lock goes with the open file: dropped on release
            fa = -1;
            Assert.True(waiter.Join(s_bound), "closing the OFD lock's file did not release it");
            Assert.Equal((0, 0), outcome());
        }
        finally
        {
            if (fa >= 0) Libc.close(fa);
            Libc.close(fb);
        }
    });

    [Fact]
    public void A_setlkw_that_closes_a_wait_cycle_across_the_two_nodes_fails_with_edeadlk() => WithTwoNodes((a, b) =>
    {
        int fa = Libc.OpenOrThrow(a.PathOf("locked"), Libc.O_RDWR);
        int fb = Libc.OpenOrThrow(b.PathOf("locked"), Libc.O_RDWR);
        try
        {
            var first = Lock(Libc.F_WRLCK, 0, 1);
            Assert.Equal(0, Libc.fcntl_lock(fa, Libc.F_SETLK, ref first));
            var second = Lock(Libc.F_WRLCK, 1, 1);
            Assert.Equal(0, Libc.fcntl_lock(fb, Libc.F_SETLK, ref second));
            // Node A's owner waits for node B's byte 1 ...
            var (waiter, outcome) = StartBlocking(fa, Libc.F_SETLKW, Lock(Libc.F_WRLCK, 1, 1));
            Assert.True(_space.PosixLocks.WaitForWaiters(1, s_bound), "node A's SETLKW never reached the lock table");
            // ... so node B's owner waiting for node A's byte 0 would wait forever.
            var cycle = Lock(Libc.F_WRLCK, 0, 1);
            Assert.Equal(-1, Libc.fcntl_lock(fb, Libc.F_SETLKW, ref cycle));
            Assert.Equal(Libc.EDEADLK, Libc.Errno);
            var unlock = Lock(Libc.F_UNLCK, 1, 1);
            Assert.Equal(0, Libc.fcntl_lock(fb, Libc.F_SETLK, ref unlock));
            Assert.True(waiter.Join(s_bound), "node A's SETLKW was not granted after node B unlocked");
            Assert.Equal((0, 0), outcome());
        }
        finally
        {
            Libc.close(fa);
            Libc.close(fb);
        }
    });
}
