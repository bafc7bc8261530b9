using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests;

/// <summary>flock and POSIX (OFD) locks are passed to the filesystem and conflict between open file descriptions.</summary>
public sealed class LockTests : IClassFixture<MemoryFsMount>
{
    private readonly MemoryFsMount _m;

    public LockTests(MemoryFsMount m) => _m = m;

    [Fact]
    public void Flock_exclusive_lock_conflicts_between_two_open_file_descriptions_until_unlocked()
    {
        string p = _m.PathOf("flock");
        File.WriteAllText(p, "f");
        ulong ino = _m.Fs.InodeOf("flock");
        int fd1 = Libc.OpenOrThrow(p, Libc.O_RDWR), fd2 = Libc.OpenOrThrow(p, Libc.O_RDWR);
        try
        {
            Assert.Equal(0, Libc.flock(fd1, Libc.LOCK_EX));
            Assert.Equal(1, _m.Fs.Locks.Count(ino)); // held in the filesystem, not only in the kernel
            Assert.Equal(-1, Libc.flock(fd2, Libc.LOCK_EX | Libc.LOCK_NB));
            Assert.Equal(Libc.EAGAIN, Libc.Errno);
            Assert.Equal(-1, Libc.flock(fd2, Libc.LOCK_SH | Libc.LOCK_NB));
            Assert.Equal(0, Libc.flock(fd1, Libc.LOCK_UN));
            Assert.Equal(0, Libc.flock(fd2, Libc.LOCK_SH | Libc.LOCK_NB));
        }
        finally
        {
            Libc.close(fd1);
            Libc.close(fd2);
        }
        // Release is sent asynchronously after close; with flock_release it drops both locks.
        Assert.True(Bounded.WaitUntil(() => _m.Fs.Locks.Count(ino) == 0, _m.Fs.Locks.Changed, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_blocked_flock_is_interrupted_when_its_process_is_killed()
    {
        string p = _m.PathOf("flock-kill");
        File.WriteAllText(p, "k");
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR);
        try
        {
            Assert.Equal(0, Libc.flock(fd, Libc.LOCK_EX));
            var psi = new System.Diagnostics.ProcessStartInfo("flock") { RedirectStandardError = true };
            psi.ArgumentList.Add("-x");
            psi.ArgumentList.Add(p);
            psi.ArgumentList.Add("true");
            using var child = System.Diagnostics.Process.Start(psi)!;
            try
            {
                Assert.True(_m.Fs.Locks.WaiterQueued.WaitOne(TimeSpan.FromSeconds(10)), "the child's flock never reached the filesystem");
                // SIGKILL: the kernel sends FUSE_INTERRUPT for the pending SETLKW and waits for its answer.
                child.Kill();
                Assert.True(child.WaitForExit(TimeSpan.FromSeconds(10)), "the interrupted flock was never answered");
                Assert.True(Bounded.WaitUntil(() => _m.Fs.Locks.Waiters == 0, _m.Fs.Locks.Changed, TimeSpan.FromSeconds(10)));
            }
            finally
            {
                if (!child.HasExited)
                    child.Kill();
            }
        }
        finally
        {
            Libc.close(fd);
        }
    }

    [Fact]
    public void Ofd_write_locks_conflict_on_overlap_and_getlk_reports_the_holder()
    {
        string p = _m.PathOf("ofd");
        File.WriteAllText(p, "o");
        ulong ino = _m.Fs.InodeOf("ofd");
        int fd1 = Libc.OpenOrThrow(p, Libc.O_RDWR), fd2 = Libc.OpenOrThrow(p, Libc.O_RDWR);
        try
        {
            var held = new Libc.Flock { Type = Libc.F_WRLCK, Start = 0, Len = 100 };
            Assert.Equal(0, Libc.fcntl_lock(fd1, Libc.F_OFD_SETLK, ref held));
            Assert.Equal(1, _m.Fs.Locks.Count(ino));

            var overlap = new Libc.Flock { Type = Libc.F_WRLCK, Start = 50, Len = 10 };
            Assert.Equal(-1, Libc.fcntl_lock(fd2, Libc.F_OFD_SETLK, ref overlap));
            Assert.Equal(Libc.EAGAIN, Libc.Errno);

            var probe = new Libc.Flock { Type = Libc.F_RDLCK, Start = 50, Len = 10 };
            Assert.Equal(0, Libc.fcntl_lock(fd2, Libc.F_OFD_GETLK, ref probe));
            Assert.Equal((Libc.F_WRLCK, 0L, 100L), (probe.Type, probe.Start, probe.Len));

            var beside = new Libc.Flock { Type = Libc.F_WRLCK, Start = 100, Len = 100 };
            Assert.Equal(0, Libc.fcntl_lock(fd2, Libc.F_OFD_SETLK, ref beside));
        }
        finally
        {
            Libc.close(fd1);
            Libc.close(fd2);
        }
    }

    [Fact]
    public async Task Setlkw_waits_without_holding_the_only_worker_and_gets_the_lock_once_it_is_released()
    {
        // One loop worker: if the waiting SETLKW held it, the unlock below could never be served.
        using var m = new MemoryFsMount(new FuseMountOptions { Loop = new FuseLoopOptions { MaxThreads = 1 } });
        string p = m.PathOf("wait");
        File.WriteAllText(p, "w");
        int fd1 = Libc.OpenOrThrow(p, Libc.O_RDWR), fd2 = Libc.OpenOrThrow(p, Libc.O_RDWR);
        try
        {
            var held = new Libc.Flock { Type = Libc.F_WRLCK, Start = 0, Len = 0 };
            Assert.Equal(0, Libc.fcntl_lock(fd1, Libc.F_OFD_SETLK, ref held));
            var waiter = Task.Factory.StartNew(() =>
            {
                var want = new Libc.Flock { Type = Libc.F_WRLCK, Start = 0, Len = 10 };
                return Libc.fcntl_lock(fd2, Libc.F_OFD_SETLKW, ref want);
            }, TaskCreationOptions.LongRunning);
            Assert.True(m.Fs.Locks.WaiterQueued.WaitOne(TimeSpan.FromSeconds(10)), "SETLKW never reached the filesystem");
            Assert.False(waiter.IsCompleted);
            var unlock = new Libc.Flock { Type = Libc.F_UNLCK, Start = 0, Len = 0 };
            Assert.Equal(0, Libc.fcntl_lock(fd1, Libc.F_OFD_SETLK, ref unlock));
            Assert.Equal(0, await waiter.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            Libc.close(fd1);
            Libc.close(fd2);
        }
    }

    [Fact]
    public async Task Unmount_while_a_lock_wait_is_pending_cancels_it_and_completes()
    {
        var m = new MemoryFsMount(new FuseMountOptions { BusyDrainTimeout = TimeSpan.FromMilliseconds(200) });
        string p = m.PathOf("pending");
        File.WriteAllText(p, "p");
        int fd1 = Libc.OpenOrThrow(p, Libc.O_RDWR), fd2 = Libc.OpenOrThrow(p, Libc.O_RDWR);
        try
        {
            var held = new Libc.Flock { Type = Libc.F_WRLCK, Start = 0, Len = 0 };
            Assert.Equal(0, Libc.fcntl_lock(fd1, Libc.F_OFD_SETLK, ref held));
            var waiter = Task.Factory.StartNew(() =>
            {
                var want = new Libc.Flock { Type = Libc.F_WRLCK, Start = 0, Len = 0 };
                return Libc.fcntl_lock(fd2, Libc.F_OFD_SETLKW, ref want);
            }, TaskCreationOptions.LongRunning);
            Assert.True(m.Fs.Locks.WaiterQueued.WaitOne(TimeSpan.FromSeconds(10)));
            await Task.Run(m.Dispose).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(m.Mount.LoopEnded);
            Assert.Equal(-1, await waiter.WaitAsync(TimeSpan.FromSeconds(10))); // the connection is gone
            Assert.True(m.Fs.Destroyed); // the session was destroyed, not leaked
        }
        finally
        {
            Libc.close(fd1);
            Libc.close(fd2);
            m.Dispose();
        }
    }
}
