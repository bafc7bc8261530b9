using System.Text;
using ClusterFs.Fs.Format;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

public class NamespaceTests
{
    private const uint Reg = FileTypeBits.S_IFREG | 0x1A4, Dir = FileTypeBits.S_IFDIR | 0x1ED;

    private static (MemoryBlockDevice Dev, Volume Vol) NewFs() { var d = TestFs.Format(8 << 20); return (d, TestFs.Mount(d)); }

    private static void AssertClean(MemoryBlockDevice dev) { var r = TestFs.Check(dev); Assert.True(r.Clean, r.ToString()); }

    [Fact]
    public void Mkdir_sets_dot_dotdot_and_link_counts_and_rmdir_undoes_them()
    {
        var (dev, vol) = NewFs();
        long root = vol.RootInode;
        Assert.Equal(Errno.OK, vol.Create(root, "d", Dir, 0, 0, out long d));
        Assert.Equal(Errno.OK, vol.Lookup(d, "..", out long up));
        Assert.Equal(root, up);
        Assert.Equal(Errno.OK, vol.Lookup(d, ".", out long self));
        Assert.Equal(d, self);
        vol.GetAttr(root, out var ra);
        Assert.Equal(3u, ra!.Nlink);
        Assert.Equal(Errno.OK, vol.Create(d, "f", Reg, 0, 0, out _));
        Assert.Equal(Errno.ENOTEMPTY, vol.Rmdir(root, "d"));
        Assert.Equal(Errno.EEXIST, vol.Create(root, "d", Reg, 0, 0, out _));
        Assert.Equal(Errno.OK, vol.Unlink(d, "f"));
        Assert.Equal(Errno.OK, vol.Rmdir(root, "d"));
        Assert.Equal(Errno.ENOENT, vol.Lookup(root, "d", out _));
        vol.GetAttr(root, out ra);
        Assert.Equal(2u, ra!.Nlink);
        AssertClean(dev);
    }

    [Fact]
    public void Hard_links_share_the_inode_and_it_goes_with_the_last_link()
    {
        var (dev, vol) = NewFs();
        long root = vol.RootInode;
        vol.CountFree(out long free0);
        Assert.Equal(Errno.OK, vol.Create(root, "a", Reg, 0, 0, out long a));
        Assert.Equal(Errno.OK, vol.Create(root, "sub", Dir, 0, 0, out long sub));
        Assert.Equal(Errno.OK, vol.Link(a, sub, "b"));
        Assert.Equal(Errno.EPERM, vol.Link(sub, root, "dirlink"));
        vol.GetAttr(a, out var attr);
        Assert.Equal(2u, attr!.Nlink);
        AssertClean(dev);
        Assert.Equal(Errno.OK, vol.Unlink(root, "a"));
        Assert.Equal(Errno.OK, vol.Lookup(sub, "b", out long b));
        Assert.Equal(a, b);
        Assert.Equal(Errno.OK, vol.Unlink(sub, "b"));
        Assert.Equal(Errno.ESTALE, vol.GetAttr(a, out _));
        Assert.Equal(Errno.OK, vol.Rmdir(root, "sub"));
        vol.CountFree(out long free1);
        Assert.Equal(free0, free1);
        AssertClean(dev);
    }

    [Fact]
    public void An_unlinked_inode_in_use_survives_until_evicted()
    {
        var (dev, vol) = NewFs();
        Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "open", Reg, 0, 0, out long ino));
        vol.WriteData(ino, 0, new byte[20000]);
        vol.IsInUse = i => i == ino;
        Assert.Equal(Errno.OK, vol.Unlink(vol.RootInode, "open"));
        Assert.Equal(Errno.OK, vol.GetAttr(ino, out var a));
        Assert.Equal(0u, a!.Nlink);
        Assert.Equal(20000, vol.ReadData(ino, 0, new byte[30000]));
        Assert.Equal(Errno.OK, vol.Evict(ino));
        Assert.Equal(Errno.ESTALE, vol.GetAttr(ino, out _));
        AssertClean(dev);
    }

    [Fact]
    public void Symlinks_store_their_target_in_the_dinode()
    {
        var (dev, vol) = NewFs();
        Assert.Equal(Errno.OK, vol.Symlink(vol.RootInode, "l", "../some/where", 5, 6, out long l));
        Assert.Equal(Errno.OK, vol.ReadLink(l, out var target));
        Assert.Equal("../some/where", target);
        vol.GetAttr(l, out var a);
        Assert.True(FileTypeBits.IsLink(a!.Mode));
        Assert.Equal(13, a.Size);
        Assert.Equal(Errno.ENAMETOOLONG, vol.Symlink(vol.RootInode, "long", new string('x', 5000), 0, 0, out _));
        Assert.Equal(Errno.EINVAL, vol.ReadLink(vol.RootInode, out _));
        AssertClean(dev);
    }

    [Fact]
    public void Rename_within_and_across_directories_moves_entries_and_fixes_parents()
    {
        var (dev, vol) = NewFs();
        long root = vol.RootInode;
        vol.Create(root, "a", Dir, 0, 0, out long a);
        vol.Create(root, "b", Dir, 0, 0, out long b);
        vol.Create(a, "f", Reg, 0, 0, out long f);
        vol.Create(a, "sub", Dir, 0, 0, out long sub);
        Assert.Equal(Errno.OK, vol.Rename(a, "f", a, "g"));
        Assert.Equal(Errno.ENOENT, vol.Lookup(a, "f", out _));
        Assert.Equal(Errno.OK, vol.Rename(a, "g", b, "h"));
        Assert.Equal(Errno.OK, vol.Lookup(b, "h", out long h));
        Assert.Equal(f, h);
        Assert.Equal(Errno.OK, vol.Rename(a, "sub", b, "sub2"));
        Assert.Equal(Errno.OK, vol.Lookup(sub, "..", out long parent));
        Assert.Equal(b, parent);
        vol.GetAttr(a, out var aa);
        vol.GetAttr(b, out var ba);
        Assert.Equal((2u, 3u), (aa!.Nlink, ba!.Nlink));
        Assert.Equal(Errno.EINVAL, vol.Rename(root, "b", sub, "loop"));
        // Replacing: a file over a file drops the victim; a directory over a non-empty directory fails.
        vol.Create(b, "victim", Reg, 0, 0, out long victim);
        Assert.Equal(Errno.OK, vol.Rename(b, "h", b, "victim"));
        Assert.Equal(Errno.ESTALE, vol.GetAttr(victim, out _));
        vol.Create(sub, "x", Reg, 0, 0, out _);
        Assert.Equal(Errno.ENOTEMPTY, vol.Rename(root, "a", b, "sub2"));
        Assert.Equal(Errno.EISDIR, vol.Rename(b, "victim", b, "sub2"));
        AssertClean(dev);
    }

    [Fact]
    public void Xattrs_follow_linux_create_replace_and_size_semantics()
    {
        var (dev, vol) = NewFs();
        vol.Create(vol.RootInode, "f", Reg, 0, 0, out long f);
        var v = Encoding.UTF8.GetBytes("value-1");
        Assert.Equal(-Errno.ENODATA.Value, vol.GetXattr(f, "user.a", new byte[10]));
        Assert.Equal(Errno.ENODATA, vol.SetXattr(f, "user.a", v, XattrFlags.Replace));
        Assert.Equal(Errno.OK, vol.SetXattr(f, "user.a", v, XattrFlags.Create));
        Assert.Equal(Errno.EEXIST, vol.SetXattr(f, "user.a", v, XattrFlags.Create));
        Assert.Equal(Errno.OK, vol.SetXattr(f, "user.b", "xy"u8, XattrFlags.None));
        Assert.Equal(v.Length, vol.GetXattr(f, "user.a", Span<byte>.Empty));
        Assert.Equal(-Errno.ERANGE.Value, vol.GetXattr(f, "user.a", new byte[3]));
        var buf = new byte[64];
        Assert.Equal(v.Length, vol.GetXattr(f, "user.a", buf));
        Assert.Equal(v, buf[..v.Length]);
        Assert.Equal(Errno.OK, vol.SetXattr(f, "user.a", "new"u8, XattrFlags.Replace));
        Assert.Equal(3, vol.GetXattr(f, "user.a", buf));
        long n = vol.ListXattr(f, buf);
        Assert.Equal("user.b\0user.a\0", Encoding.UTF8.GetString(buf, 0, (int)n));
        Assert.Equal(Errno.ERANGE, vol.SetXattr(f, new string('n', 256), v, XattrFlags.None));
        Assert.Equal(Errno.E2BIG, vol.SetXattr(f, "user.big", new byte[vol.BlockSize], XattrFlags.None));
        // user.a (4+6+3 bytes) and user.b (4+6+2) use 25 bytes of the block: a value 25 below the maximum fits exactly.
        Assert.Equal(Errno.ENOSPC, vol.SetXattr(f, "user.max", new byte[vol.MaxXattrValue(8) - 24], XattrFlags.None));
        Assert.Equal(Errno.OK, vol.SetXattr(f, "user.max", new byte[vol.MaxXattrValue(8) - 25], XattrFlags.None));
        AssertClean(dev);
        Assert.Equal(Errno.OK, vol.RemoveXattr(f, "user.a"));
        Assert.Equal(Errno.ENODATA, vol.RemoveXattr(f, "user.a"));
        vol.RemoveXattr(f, "user.b");
        vol.RemoveXattr(f, "user.max");
        vol.GetAttr(f, out var attr);
        Assert.Equal(0, attr!.Blocks);
        AssertClean(dev);
    }

    [Fact]
    public void Readdir_cookies_resume_exactly_where_the_previous_call_stopped()
    {
        var (dev, vol) = NewFs();
        var names = Enumerable.Range(0, 500).Select(i => $"entry-{i}").ToHashSet();
        foreach (var n in names) Assert.Equal(Errno.OK, vol.Create(vol.RootInode, n, Reg, 0, 0, out _));
        var seen = new List<string>();
        long cookie = 0;
        var batch = new List<DirEntry>();
        while (true)
        {
            batch.Clear();
            Assert.Equal(Errno.OK, vol.ReadDir(vol.RootInode, cookie, 7, batch));
            if (batch.Count == 0) break;
            seen.AddRange(batch.Select(e => e.Name));
            cookie = batch[^1].NextCookie;
        }
        Assert.Equal(502, seen.Count);
        Assert.Equal(new[] { ".", ".." }, seen.Take(2));
        Assert.Equal(names.OrderBy(x => x), seen.Skip(2).OrderBy(x => x));
        AssertClean(dev);
    }
}
