using System.Text;
using ClusterFs.Fuse.Tests.Native;
using ClusterFs.Iov;

namespace ClusterFs.Fuse.Tests;

/// <summary>Notify calls issued from a background thread (never from a handler) reach the kernel's caches.</summary>
public sealed unsafe class NotifyTests : IClassFixture<MemoryFsMount>
{
    private const int Size = 8192;
    private readonly MemoryFsMount _m;

    public NotifyTests(MemoryFsMount m) => _m = m;

    [Fact]
    public void InvalidateInode_from_a_background_thread_makes_the_kernel_reread_changed_data()
    {
        string p = _m.PathOf("inval");
        File.WriteAllBytes(p, Enumerable.Repeat((byte)'A', Size).ToArray());
        ulong ino = _m.Fs.InodeOf("inval");
        int fd = Libc.OpenOrThrow(p, Libc.O_RDONLY);
        try
        {
            Assert.Equal((byte)'A', ReadFirst(fd));
            _m.Fs.OverwriteBehindKernel(ino, 0, Enumerable.Repeat((byte)'B', Size).ToArray());
            int reads = _m.Fs.Reads;
            Assert.Equal((byte)'A', ReadFirst(fd)); // the kernel's cached page, as the test requires
            Assert.Equal(reads, _m.Fs.Reads);

            Assert.Equal(Errno.OK, OnBackgroundThread(() => _m.Mount.Session.InvalidateInode(ino, 0, 0)));
            Assert.Equal((byte)'B', ReadFirst(fd));
        }
        finally
        {
            Libc.close(fd);
        }
    }

    [Fact]
    public void Store_from_a_background_thread_puts_data_in_the_page_cache_without_a_read()
    {
        string p = _m.PathOf("store");
        File.WriteAllBytes(p, Enumerable.Repeat((byte)'A', Size).ToArray());
        ulong ino = _m.Fs.InodeOf("store");
        int fd = Libc.OpenOrThrow(p, Libc.O_RDONLY);
        try
        {
            // Settle the attributes first: the write changed mtime, and with auto_inval_data the
            // first read's attribute refresh would drop whatever the store puts in the cache.
            Assert.Equal((byte)'A', ReadFirst(fd));
            byte[] c = Enumerable.Repeat((byte)'C', Size).ToArray();
            _m.Fs.OverwriteBehindKernel(ino, 0, c);
            Assert.Equal(Errno.OK, OnBackgroundThread(() => _m.Mount.Session.Store(ino, 0, c)));
            int reads = _m.Fs.Reads;
            Assert.Equal((byte)'C', ReadFirst(fd));
            Assert.Equal(reads, _m.Fs.Reads);
        }
        finally
        {
            Libc.close(fd);
        }
    }

    [Fact]
    public void InvalidateEntry_from_a_background_thread_makes_the_kernel_forget_the_inode()
    {
        string p = _m.PathOf("forget-me");
        File.WriteAllText(p, "x");
        ulong ino = _m.Fs.InodeOf("forget-me");
        Assert.True(_m.Fs.LookupCount(ino) > 0);
        Assert.Equal(Errno.OK, OnBackgroundThread(() => _m.Mount.Session.InvalidateEntry(1, "forget-me"u8)));
        Assert.True(Bounded.WaitUntil(() => _m.Fs.LookupCount(ino) == 0, _m.Fs.Forgotten, TimeSpan.FromSeconds(10)), "the kernel never sent forget");
        Assert.Equal("x", File.ReadAllText(p)); // and a fresh lookup finds it again
    }

    [Fact]
    public void NotifyDelete_from_a_background_thread_drops_a_name_removed_behind_the_kernel()
    {
        string p = _m.PathOf("deleted-elsewhere");
        File.WriteAllText(p, "d");
        ulong ino = _m.Fs.InodeOf("deleted-elsewhere");
        _m.Fs.UnlinkBehindKernel("deleted-elsewhere");
        Assert.Equal(0, Libc.stat(p, out _)); // the kernel still has the cached dentry
        Assert.Equal(Errno.OK, OnBackgroundThread(() => _m.Mount.Session.NotifyDelete(1, ino, "deleted-elsewhere"u8)));
        Assert.Equal(-1, Libc.stat(p, out _));
        Assert.Equal(Libc.ENOENT, Libc.Errno);
    }

    [Fact]
    public void A_notify_from_inside_a_request_handler_is_refused_instead_of_risking_a_deadlock()
    {
        string p = _m.PathOf("in-handler");
        File.WriteAllText(p, "h");
        ulong ino = _m.Fs.InodeOf("in-handler");
        Exception? seen = null;
        _m.Fs.OnGetAttr = i =>
        {
            if (i != ino)
                return;
            try
            {
                _m.Mount.Session.InvalidateInode(ino, 0, 0);
            }
            catch (Exception ex)
            {
                seen = ex;
            }
        };
        try
        {
            // Expire the cached attributes from outside (allowed), so stat must ask the filesystem.
            Assert.Equal(Errno.OK, OnBackgroundThread(() => _m.Mount.Session.InvalidateInode(ino, -1, 0)));
            Assert.Equal(0, Libc.stat(p, out _));
        }
        finally
        {
            _m.Fs.OnGetAttr = null;
        }
        Assert.IsType<InvalidOperationException>(seen);
    }

    private static byte ReadFirst(int fd)
    {
        byte b;
        Assert.Equal(1, (int)Libc.pread(fd, &b, 1, 0));
        return b;
    }

    private static Errno OnBackgroundThread(Func<Errno> notify)
    {
        Errno result = Errno.EIO;
        var t = new Thread(() => result = notify()) { IsBackground = true };
        t.Start();
        Assert.True(t.Join(TimeSpan.FromSeconds(10)), "notify did not return");
        return result;
    }
}
