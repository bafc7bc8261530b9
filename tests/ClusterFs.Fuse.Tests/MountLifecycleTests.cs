using ClusterFs.Fuse.Tests.Doubles;
using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests;

/// <summary>Mounting, negotiation, buffers, and unmounting (also busy, twice, and stale mounts).</summary>
public sealed class MountLifecycleTests
{
    private static FuseMountOptions Quick(int threads = 4) => new()
    {
        Loop = new FuseLoopOptions { MaxThreads = threads },
        BusyDrainTimeout = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public void Mount_becomes_live_and_serves_a_file_written_and_read_back()
    {
        using var m = new MemoryFsMount(Quick());
        string p = m.PathOf("hello.txt");
        File.WriteAllText(p, "hello fuse");
        Assert.Equal("hello fuse", File.ReadAllText(p));
        Assert.NotEqual(0UL, m.Fs.InodeOf("hello.txt"));
    }

    [Fact]
    public void Init_negotiates_1MiB_writes_async_read_and_no_writeback_cache_or_splice()
    {
        using var m = new MemoryFsMount(Quick());
        FuseConnection c = m.Mount.Session.Connection!;
        Assert.Same(c, m.Fs.Connection);
        Assert.Equal(1024u * 1024, c.MaxWrite);
        Assert.True(c.Want.HasFlag(FuseCapabilities.AsyncRead));
        Assert.False(c.Want.HasFlag(FuseCapabilities.WritebackCache));
        Assert.Equal(FuseCapabilities.None, c.Want & (FuseCapabilities.SpliceRead | FuseCapabilities.SpliceWrite | FuseCapabilities.SpliceMove));
        Assert.True(c.Want.HasFlag(FuseCapabilities.PosixLocks) && c.Want.HasFlag(FuseCapabilities.FlockLocks));

        // One 4 MiB write() reaches the filesystem in 1 MiB requests. The source pages are filled
        // first: the kernel copies with page faults disabled, and a not-yet-faulted source page
        // ends a request early.
        byte[] data = new byte[4 * 1024 * 1024];
        new Random(4).NextBytes(data);
        using (var f = new FileStream(m.PathOf("big"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            f.Write(data);
        Assert.Equal(1024 * 1024, m.Fs.MaxWriteSeen);
    }

    [Fact]
    public unsafe void Reply_buffers_are_allocated_once_per_worker_not_per_request()
    {
        using var m = new MemoryFsMount(Quick(threads: 3));
        string p = m.PathOf("reads");
        File.WriteAllBytes(p, new byte[64 * 1024]);
        int fd = Libc.OpenOrThrow(p, Libc.O_RDONLY | Libc.O_DIRECT);
        byte* buf = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(4096, 4096);
        try
        {
            int before = m.Fs.Reads;
            for (int i = 0; i < 200; i++)
                Assert.Equal(4096, (int)Libc.pread(fd, buf, 4096, (i % 16) * 4096));
            Assert.True(m.Fs.Reads - before >= 200);
            Assert.InRange(m.Mount.Session.ReplyBuffersAllocated, 1, 3);
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.AlignedFree(buf);
            Libc.close(fd);
        }
    }

    [Fact]
    public void Plain_readdir_lists_every_entry_when_readdirplus_is_turned_off()
    {
        using var m = new MemoryFsMount(Quick(), new MemoryFs { DisableReaddirPlus = true });
        for (int i = 0; i < 300; i++)
            File.WriteAllBytes(m.PathOf($"plain-{i}"), []);
        Assert.Equal(300, Directory.GetFiles(m.MountPoint).Length);
        Assert.True(m.Fs.ReadDirs.Plain > 0);
        Assert.Equal(0, m.Fs.ReadDirs.Plus);
    }

    [Fact]
    public async Task Unmount_with_an_open_file_completes_and_removes_the_mount()
    {
        var m = new MemoryFsMount(Quick());
        int fd = Libc.OpenOrThrow(m.PathOf("held-open"), Libc.O_RDWR | Libc.O_CREAT);
        try
        {
            await Task.Run(m.Dispose).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(m.Mount.LoopEnded);
            Assert.Null(MountTable.FindFuse(m.MountPoint));
        }
        finally
        {
            Libc.close(fd);
            m.Dispose();
        }
    }

    [Fact]
    public void Unmount_twice_is_safe_and_the_filesystem_is_destroyed_once_unmounted()
    {
        var m = new MemoryFsMount(Quick());
        File.WriteAllText(m.PathOf("f"), "x");
        m.Mount.Unmount();
        m.Mount.Unmount();
        m.Dispose();
        Assert.True(m.Fs.Destroyed);
        Assert.True(m.Mount.LoopEnded);
        Assert.Null(MountTable.FindFuse(m.MountPoint));
    }

    [Fact]
    public void CleanupStaleMounts_removes_a_mount_whose_daemon_no_longer_serves_it()
    {
        MemoryFsMount.RequireFuse();
        MemoryFsMount.EnsureStaleMountsCleaned();
        string dir = Path.Combine(MemoryFsMount.Root, "stale-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        // A mounted session with no loop stands in for a daemon that died.
        using FuseSession session = FuseSession.Create(new MemoryFs(), new FuseSessionOptions());
        try
        {
            Assert.True(session.Mount(dir).IsOk);
            Assert.NotNull(MountTable.FindFuse(dir));
            Assert.Equal(1, FuseMount.CleanupStaleMounts(dir));
            Assert.Null(MountTable.FindFuse(dir));
        }
        finally
        {
            FuseMount.CleanupStaleMounts(dir);
            session.Unmount();
            Directory.Delete(dir);
        }
    }

    [Fact]
    public void Mount_on_a_missing_directory_is_refused_with_a_clear_message()
    {
        string missing = Path.Combine(MemoryFsMount.Root, "no-such-dir-" + Guid.NewGuid().ToString("N"));
        var ex = Assert.Throws<ArgumentException>(() => FuseMount.Mount(new MemoryFs(), missing));
        Assert.Contains(missing, ex.Message);
    }
}
