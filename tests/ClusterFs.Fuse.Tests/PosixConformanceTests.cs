using System.Text;
using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests;

/// <summary>
/// A reusable conformance set (go-fuse's posixtest idea): namespace, attribute, xattr, fifo and
/// readdir behaviour through the kernel with ordinary .NET file APIs and libc, asserting only what
/// POSIX/Linux promise. Derive once per filesystem configuration with a fixture that mounts it.
/// </summary>
public abstract class PosixConformanceTests
{
    protected PosixConformanceTests(IMountUnderTest mount) => Mount = mount;

    /// <summary>The mounted filesystem under test.</summary>
    protected IMountUnderTest Mount { get; }

    [Fact]
    public void Write_then_read_back_through_a_new_open_returns_the_same_bytes()
    {
        string p = Mount.PathOf("rw.bin");
        byte[] data = new byte[300_000];
        new Random(1).NextBytes(data);
        File.WriteAllBytes(p, data);
        Assert.Equal(data, File.ReadAllBytes(p));
        Assert.Equal(data.Length, new FileInfo(p).Length);
    }

    [Fact]
    public void Rename_moves_the_file_and_the_old_name_is_gone()
    {
        string a = Mount.PathOf("ren-a"), b = Mount.PathOf("ren-b");
        File.WriteAllText(a, "A");
        File.Move(a, b);
        Assert.False(File.Exists(a));
        Assert.Equal("A", File.ReadAllText(b));
    }

    [Fact]
    public void Rename_noreplace_fails_with_EEXIST_and_leaves_both_files()
    {
        string a = Mount.PathOf("nr-a"), b = Mount.PathOf("nr-b");
        File.WriteAllText(a, "A");
        File.WriteAllText(b, "B");
        Assert.Equal(-1, Libc.renameat2(Libc.AT_FDCWD, a, Libc.AT_FDCWD, b, Libc.RENAME_NOREPLACE));
        Assert.Equal(Libc.EEXIST, Libc.Errno);
        Assert.Equal("A", File.ReadAllText(a));
        Assert.Equal("B", File.ReadAllText(b));
    }

    [Fact]
    public void Rename_exchange_swaps_the_two_files()
    {
        string a = Mount.PathOf("ex-a"), b = Mount.PathOf("ex-b");
        File.WriteAllText(a, "A");
        File.WriteAllText(b, "B");
        Assert.Equal(0, Libc.renameat2(Libc.AT_FDCWD, a, Libc.AT_FDCWD, b, Libc.RENAME_EXCHANGE));
        Assert.Equal("B", File.ReadAllText(a));
        Assert.Equal("A", File.ReadAllText(b));
    }

    [Fact]
    public void Hard_link_shares_data_and_counts_two_links()
    {
        string a = Mount.PathOf("ln-a"), b = Mount.PathOf("ln-b");
        File.WriteAllText(a, "shared");
        Assert.Equal(0, Libc.link(a, b));
        File.AppendAllText(b, "+more");
        Assert.Equal("shared+more", File.ReadAllText(a));
        Assert.Equal(0, Libc.stat(a, out Libc.Stat st));
        Assert.Equal(2UL, st.Nlink);
        Assert.Equal(0, Libc.stat(b, out Libc.Stat st2));
        Assert.Equal(st.Ino, st2.Ino);
    }

    [Fact]
    public void Symlink_resolves_and_readlink_returns_the_target()
    {
        string target = Mount.PathOf("sym-target"), link = Mount.PathOf("sym-link");
        File.WriteAllText(target, "via link");
        File.CreateSymbolicLink(link, "sym-target");
        Assert.Equal("sym-target", new FileInfo(link).LinkTarget);
        Assert.Equal("via link", File.ReadAllText(link));
    }

    [Fact]
    public void Chmod_changes_the_permission_bits_and_keeps_the_file_type()
    {
        string p = Mount.PathOf("mode");
        File.WriteAllText(p, "x");
        File.SetUnixFileMode(p, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead, File.GetUnixFileMode(p));
        Assert.Equal(0, Libc.stat(p, out Libc.Stat st));
        Assert.Equal(0x8000u, st.Mode & Libc.S_IFMT);
    }

    [Fact]
    public void Truncate_shrinks_and_then_extends_with_zeros()
    {
        string p = Mount.PathOf("trunc");
        File.WriteAllBytes(p, Enumerable.Repeat((byte)7, 10_000).ToArray());
        using (var f = new FileStream(p, FileMode.Open))
            f.SetLength(100);
        using (var f = new FileStream(p, FileMode.Open))
            f.SetLength(8192);
        byte[] back = File.ReadAllBytes(p);
        Assert.Equal(8192, back.Length);
        Assert.All(back.Take(100), b => Assert.Equal(7, b));
        Assert.All(back.Skip(100), b => Assert.Equal(0, b));
    }

    [Fact]
    public unsafe void Utimens_sets_explicit_times_and_now()
    {
        string p = Mount.PathOf("times");
        File.WriteAllText(p, "t");
        long* times = stackalloc long[4] { 1_000_000, 5, 2_000_000, 7 };
        Assert.Equal(0, Libc.utimensat(Libc.AT_FDCWD, p, times, 0));
        Assert.Equal(0, Libc.stat(p, out Libc.Stat st));
        Assert.Equal((1_000_000L, 5L, 2_000_000L, 7L), (st.AtimeSec, st.AtimeNsec, st.MtimeSec, st.MtimeNsec));
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.Equal(0, Libc.utimensat(Libc.AT_FDCWD, p, null, 0)); // both UTIME_NOW
        Assert.Equal(0, Libc.stat(p, out st));
        Assert.InRange(st.MtimeSec, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
    }

    [Fact]
    public void Readdir_of_1000_entries_lists_every_name_exactly_once()
    {
        string dir = Mount.PathOf("big-dir");
        Directory.CreateDirectory(dir);
        var expected = new HashSet<string>();
        for (int i = 0; i < 1000; i++)
        {
            string name = $"entry-{i:D4}-with-a-longer-name";
            File.WriteAllBytes(Path.Combine(dir, name), []);
            expected.Add(name);
        }
        string[] listed = Directory.GetFiles(dir).Select(Path.GetFileName).ToArray()!;
        Assert.Equal(1000, listed.Length);
        Assert.Equal(expected, listed.ToHashSet());
    }

    [Fact]
    public void Mkdir_rmdir_and_unlink_change_the_namespace_and_rmdir_refuses_a_non_empty_dir()
    {
        string d = Mount.PathOf("dir-ops");
        Directory.CreateDirectory(d);
        File.WriteAllText(Path.Combine(d, "f"), "f");
        Assert.Throws<IOException>(() => Directory.Delete(d));
        File.Delete(Path.Combine(d, "f"));
        Directory.Delete(d);
        Assert.False(Directory.Exists(d));
    }

    [Fact]
    public async Task Mknod_creates_a_fifo_that_carries_data_between_a_writer_and_a_reader()
    {
        string p = Mount.PathOf("fifo");
        Assert.Equal(0, Libc.mknod(p, Libc.S_IFIFO | 0x1A4, 0));
        Assert.Equal(0, Libc.stat(p, out Libc.Stat st));
        Assert.Equal(Libc.S_IFIFO, st.Mode & Libc.S_IFMT);
        var writer = Task.Run(() => File.WriteAllText(p, "through the pipe"));
        var reader = Task.Run(() => File.ReadAllText(p));
        await Task.WhenAll(writer, reader).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("through the pipe", await reader);
    }

    [Fact]
    public unsafe void Xattr_set_get_with_size_probe_list_and_remove()
    {
        string p = Mount.PathOf("xattr");
        File.WriteAllText(p, "x");
        byte[] v = Encoding.UTF8.GetBytes("value-123");
        fixed (byte* pv = v)
        {
            Assert.Equal(0, Libc.setxattr(p, "user.one", pv, v.Length, 0));
            Assert.Equal(-1, Libc.setxattr(p, "user.one", pv, v.Length, Libc.XATTR_CREATE));
            Assert.Equal(Libc.EEXIST, Libc.Errno);
            Assert.Equal(0, Libc.setxattr(p, "user.two", pv, 3, 0));
        }
        Assert.Equal(v.Length, (int)Libc.getxattr(p, "user.one", null, 0)); // size probe
        byte[] small = new byte[2];
        fixed (byte* ps = small)
        {
            Assert.Equal(-1, (int)Libc.getxattr(p, "user.one", ps, small.Length));
            Assert.Equal(Libc.ERANGE, Libc.Errno);
        }
        byte[] buf = new byte[64];
        fixed (byte* pb = buf)
        {
            int n = (int)Libc.getxattr(p, "user.one", pb, buf.Length);
            Assert.Equal("value-123", Encoding.UTF8.GetString(buf, 0, n));
            int ln = (int)Libc.listxattr(p, pb, buf.Length);
            Assert.Equal((int)Libc.listxattr(p, null, 0), ln);
            Assert.Equal(["user.one", "user.two"], Encoding.UTF8.GetString(buf, 0, ln).TrimEnd('\0').Split('\0'));
        }
        Assert.Equal(0, Libc.removexattr(p, "user.one"));
        Assert.Equal(-1, (int)Libc.getxattr(p, "user.one", null, 0));
        Assert.Equal(Libc.ENODATA, Libc.Errno);
    }

    [Fact]
    public void Chown_changes_owner_and_group()
    {
        string p = Mount.PathOf("owned");
        File.WriteAllText(p, "o");
        Assert.Equal(0, Libc.chown(p, 1234, 5678));
        Assert.Equal(0, Libc.stat(p, out Libc.Stat st));
        Assert.Equal((1234u, 5678u), (st.Uid, st.Gid));
    }

    [Fact]
    public void Mknod_of_a_regular_file_creates_an_empty_file()
    {
        string p = Mount.PathOf("mknod-reg");
        Assert.Equal(0, Libc.mknod(p, Libc.S_IFREG | 0x1A4, 0));
        Assert.Equal(0, Libc.stat(p, out Libc.Stat st));
        Assert.Equal((Libc.S_IFREG, 0L), (st.Mode & Libc.S_IFMT, st.Size));
    }

    [Fact]
    public void Fsync_of_a_file_and_of_a_directory_succeed()
    {
        string p = Mount.PathOf("synced-any");
        File.WriteAllText(p, "s");
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR);
        int dfd = Libc.OpenOrThrow(Mount.MountPoint, Libc.O_RDONLY);
        try
        {
            Assert.Equal(0, Libc.fsync(fd));
            Assert.Equal(0, Libc.fsync(dfd));
        }
        finally
        {
            Libc.close(fd);
            Libc.close(dfd);
        }
    }
}
