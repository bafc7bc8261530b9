using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>
/// renameat2(RENAME_EXCHANGE) through a real ClusterFs mount (one Volume.Exchange transaction): files and directories
/// swap across directories, '..' and the parents' link counts follow, open files keep their inode, and the result
/// survives a remount. Each test has its own mount; teardown unmounts and runs fsck -n.
/// </summary>
public sealed class ClusterFsExchangeTests
{
    private const int EINVAL = 22;

    private static Libc.Stat StatOf(string path)
    {
        Assert.True(Libc.stat(path, out var st) == 0, $"stat {path}: errno {Libc.Errno}");
        return st;
    }

    [Fact]
    public void Exchanging_files_across_directories_swaps_contents_and_inodes_and_an_open_file_keeps_its_inode()
    {
        using var m = new ClusterFsMount();
        Directory.CreateDirectory(m.PathOf("a"));
        Directory.CreateDirectory(m.PathOf("b"));
        string x = m.PathOf("a/x"), y = m.PathOf("b/y");
        File.WriteAllText(x, "from x");
        File.WriteAllText(y, "from y, longer");
        ulong xIno = StatOf(x).Ino, yIno = StatOf(y).Ino;
        using var held = new FileStream(x, FileMode.Open, FileAccess.Read);
        Assert.Equal(0, Libc.renameat2(Libc.AT_FDCWD, x, Libc.AT_FDCWD, y, Libc.RENAME_EXCHANGE));
        Assert.Equal("from y, longer", File.ReadAllText(x));
        Assert.Equal("from x", File.ReadAllText(y));
        Assert.Equal((yIno, xIno), (StatOf(x).Ino, StatOf(y).Ino));
        using (var reader = new StreamReader(held)) Assert.Equal("from x", reader.ReadToEnd());
        m.Remount();
        Assert.Equal("from y, longer", File.ReadAllText(x));
        Assert.Equal("from x", File.ReadAllText(y));
    }

    [Fact]
    public void Exchanging_a_directory_with_a_file_in_another_directory_moves_dotdot_and_one_parent_link_and_survives_remount()
    {
        using var m = new ClusterFsMount();
        Directory.CreateDirectory(m.PathOf("a/sub"));
        Directory.CreateDirectory(m.PathOf("b"));
        File.WriteAllText(m.PathOf("a/sub/inner"), "inside");
        File.WriteAllText(m.PathOf("b/f"), "file");
        Assert.Equal((3UL, 2UL), (StatOf(m.PathOf("a")).Nlink, StatOf(m.PathOf("b")).Nlink));
        Assert.Equal(0, Libc.renameat2(Libc.AT_FDCWD, m.PathOf("a/sub"), Libc.AT_FDCWD, m.PathOf("b/f"), Libc.RENAME_EXCHANGE));

        void Check()
        {
            Assert.Equal("file", File.ReadAllText(m.PathOf("a/sub")));
            Assert.Equal("inside", File.ReadAllText(m.PathOf("b/f/inner")));
            Assert.Equal(Libc.S_IFDIR, StatOf(m.PathOf("b/f")).Mode & Libc.S_IFMT);
            Assert.Equal(StatOf(m.PathOf("b")).Ino, StatOf(m.PathOf("b/f/..")).Ino);
            Assert.Equal((2UL, 3UL), (StatOf(m.PathOf("a")).Nlink, StatOf(m.PathOf("b")).Nlink));
            Assert.Equal(new[] { "sub" }, Directory.EnumerateFileSystemEntries(m.PathOf("a")).Select(p => Path.GetFileName(p)));
            Assert.Equal(new[] { "f" }, Directory.EnumerateDirectories(m.PathOf("b")).Select(p => Path.GetFileName(p)));
        }
        Check();
        m.Remount();
        Check();
    }

    [Fact]
    public void Exchanging_with_a_missing_name_fails_with_ENOENT_and_into_its_own_subtree_with_EINVAL()
    {
        using var m = new ClusterFsMount();
        Directory.CreateDirectory(m.PathOf("d/sub"));
        File.WriteAllText(m.PathOf("d/sub/x"), "x");
        File.WriteAllText(m.PathOf("f"), "f");
        Assert.Equal(-1, Libc.renameat2(Libc.AT_FDCWD, m.PathOf("f"), Libc.AT_FDCWD, m.PathOf("missing"), Libc.RENAME_EXCHANGE));
        Assert.Equal(Libc.ENOENT, Libc.Errno);
        Assert.Equal(-1, Libc.renameat2(Libc.AT_FDCWD, m.PathOf("d"), Libc.AT_FDCWD, m.PathOf("d/sub/x"), Libc.RENAME_EXCHANGE));
        Assert.Equal(EINVAL, Libc.Errno);
        Assert.Equal("f", File.ReadAllText(m.PathOf("f")));
        Assert.Equal("x", File.ReadAllText(m.PathOf("d/sub/x")));
        Assert.False(File.Exists(m.PathOf("missing")));
    }

    [Fact]
    public void Rename_noreplace_onto_a_free_name_moves_the_file()
    {
        using var m = new ClusterFsMount();
        Directory.CreateDirectory(m.PathOf("b"));
        File.WriteAllText(m.PathOf("a"), "A");
        Assert.Equal(0, Libc.renameat2(Libc.AT_FDCWD, m.PathOf("a"), Libc.AT_FDCWD, m.PathOf("b/a2"), Libc.RENAME_NOREPLACE));
        Assert.False(File.Exists(m.PathOf("a")));
        Assert.Equal("A", File.ReadAllText(m.PathOf("b/a2")));
    }
}
