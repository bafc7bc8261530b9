using ClusterFs.Fs.Api;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>FsProcess path walk as Linux's namei: relative paths from the working directory, '.' and '..', symlinks
/// followed in the middle and (where the call follows) at the end, ELOOP, trailing slashes and ENOTDIR.</summary>
[Collection(IoCollection.Name)]
public sealed class PathWalkTests : IDisposable
{
    private readonly MemoryBlockDevice _dev = NewDevice();
    private readonly FsNode _node;
    private readonly FsProcess _p;

    public PathWalkTests()
    {
        _node = Mount(_dev);
        _p = new FsProcess(_node);
        Ok(_p.Mkdir("/a"));
        Ok(_p.Mkdir("/a/b"));
        WriteFile("/a/b/f", "data");
    }

    public void Dispose()
    {
        _p.Dispose();
        Ok(_node.Unmount());
        AssertFsckClean(_dev);
    }

    private void WriteFile(string path, string text)
    {
        long fd = _p.Open(path, OpenFlags.Create | OpenFlags.WriteOnly | OpenFlags.Truncate);
        Assert.True(fd >= 0, $"open {path}: {fd}");
        Assert.Equal(text.Length, _p.Write((int)fd, System.Text.Encoding.ASCII.GetBytes(text)));
        Ok(_p.Close((int)fd));
    }

    private long InoOf(string path)
    {
        Ok(_p.Lstat(path, out var attr));
        return attr!.Ino;
    }

    [Fact]
    public void Relative_paths_resolve_from_the_working_directory_with_dot_and_dotdot()
    {
        Ok(_p.Chdir("/a"));
        Ok(_p.Stat("b/f", out var viaRelative));
        Assert.Equal(InoOf("/a/b/f"), viaRelative!.Ino);
        Ok(_p.Stat("./b/../b//f", out var viaDots));
        Assert.Equal(viaRelative.Ino, viaDots!.Ino);
        Ok(_p.Chdir("b"));
        WriteFile("g", "new");
        Ok(_p.Stat("/a/b/g", out _));
        Ok(_p.Stat("..", out var parent));
        Assert.Equal(InoOf("/a"), parent!.Ino);
        Ok(_p.Stat("/..", out var aboveRoot)); // '..' of the root is the root
        Assert.Equal(_node.RootInode, aboveRoot!.Ino);
        Assert.Equal(Errno.ENOTDIR, _p.Chdir("/a/b/f"));
        Assert.Equal(Errno.ENOENT, _p.Chdir("/nowhere"));
        Assert.Equal(Errno.ENOENT, _p.Stat("", out _));
        Assert.Equal(Errno.ENOTDIR, _p.Stat("/a/b/f/x", out _));
    }

    [Fact]
    public void Symlinks_are_followed_in_the_middle_and_at_the_end_unless_the_call_works_on_the_link()
    {
        Ok(_p.Symlink("/a/b", "/abs"));
        Ok(_p.Symlink("a/b", "/rel"));
        Ok(_p.Symlink("f", "/a/b/lf"));
        long f = InoOf("/a/b/f");
        Ok(_p.Stat("/abs/f", out var a1));
        Ok(_p.Stat("/rel/f", out var a2));
        Ok(_p.Stat("/rel/lf", out var a3)); // a relative target resolves from the link's own directory
        Assert.Equal([f, f, f], new[] { a1!.Ino, a2!.Ino, a3!.Ino });
        Ok(_p.Lstat("/rel/lf", out var link));
        Assert.True(FileTypeBits.IsLink(link!.Mode));
        Ok(_p.Readlink("/rel/lf", out var target));
        Assert.Equal("f", target);

        long fd = _p.Open("/abs/lf", OpenFlags.ReadOnly);
        Assert.True(fd >= 0, $"open through two links: {fd}");
        var buf = new byte[4];
        Assert.Equal(4, _p.Read((int)fd, buf));
        Assert.Equal("data"u8.ToArray(), buf);
        Ok(_p.Close((int)fd));
        Assert.Equal(Errno.ELOOP.Negative, _p.Open("/a/b/lf", OpenFlags.ReadOnly | OpenFlags.NoFollow));
        Assert.Equal(Errno.EEXIST.Negative, _p.Open("/a/b/lf", OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.ReadWrite));

        Ok(_p.Unlink("/a/b/lf")); // removes the link, not the file
        Ok(_p.Stat("/a/b/f", out _));
        Assert.Equal(Errno.ENOENT, _p.Lstat("/a/b/lf", out _));
    }

    [Fact]
    public void Opening_a_dangling_symlink_with_create_makes_its_target_and_stat_of_it_is_ENOENT()
    {
        Ok(_p.Symlink("/a/made", "/dangling"));
        Assert.Equal(Errno.ENOENT, _p.Stat("/dangling", out _));
        Ok(_p.Lstat("/dangling", out _));
        long fd = _p.Open("/dangling", OpenFlags.Create | OpenFlags.WriteOnly);
        Assert.True(fd >= 0, $"open O_CREAT through a dangling link: {fd}");
        Ok(_p.Close((int)fd));
        Ok(_p.Stat("/a/made", out var made));
        Assert.True(FileTypeBits.IsReg(made!.Mode));
    }

    [Fact]
    public void Symlink_loops_and_chains_longer_than_forty_fail_with_ELOOP()
    {
        Ok(_p.Symlink("/loop2", "/loop1"));
        Ok(_p.Symlink("/loop1", "/loop2"));
        Assert.Equal(Errno.ELOOP, _p.Stat("/loop1", out _));
        Assert.Equal(Errno.ELOOP, _p.Stat("/loop1/x", out _));
        Assert.Equal(Errno.ELOOP.Negative, _p.Open("/loop1", OpenFlags.ReadOnly));
        Ok(_p.Lstat("/loop1", out _));

        // l0 -> /a/b/f, l1 -> l0, ... l40 -> l39: 40 links resolve, the 41st is one too many.
        Ok(_p.Symlink("/a/b/f", "/l0"));
        for (int i = 1; i <= 40; i++) Ok(_p.Symlink($"/l{i - 1}", $"/l{i}"));
        Ok(_p.Stat("/l39", out var end));
        Assert.Equal(InoOf("/a/b/f"), end!.Ino);
        Assert.Equal(Errno.ELOOP, _p.Stat("/l40", out _));
    }

    [Fact]
    public void A_trailing_slash_asks_for_a_directory()
    {
        Ok(_p.Stat("/a/b/", out _));
        Assert.Equal(Errno.ENOTDIR, _p.Stat("/a/b/f/", out _));
        Assert.Equal(Errno.EISDIR.Negative, _p.Open("/a/new/", OpenFlags.Create | OpenFlags.WriteOnly));
        Ok(_p.Symlink("/a/b", "/dirlink"));
        Ok(_p.Lstat("/dirlink/", out var followed)); // a trailing slash follows even for lstat
        Assert.True(FileTypeBits.IsDir(followed!.Mode));
    }
}
