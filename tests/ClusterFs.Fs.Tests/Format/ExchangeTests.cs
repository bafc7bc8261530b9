using ClusterFs.Fs.Format;
using ClusterFs.Iov;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Fs.Tests.Format;

/// <summary>Volume.Exchange (RENAME_EXCHANGE): entries swap, '..' and link counts follow moved directories,
/// timestamps are stamped, errors leave the tree untouched, and fsck is clean after each.</summary>
public class ExchangeTests
{
    private const uint Reg = FileTypeBits.S_IFREG | 0x1A4, Dir = FileTypeBits.S_IFDIR | 0x1ED;
    private static readonly Timestamp s_old = new(1_000_000, 0);

    private static (MemoryBlockDevice Dev, Volume Vol) NewFs() { var d = TestFs.Format(8 << 20); return (d, TestFs.Mount(d)); }

    private static void AssertClean(MemoryBlockDevice dev) { var r = TestFs.Check(dev); Assert.True(r.Clean, r.ToString()); }

    private static long Make(Volume vol, long dir, string name, uint mode)
    {
        Assert.Equal(Errno.OK, vol.Create(dir, name, mode, 0, 0, out long ino));
        return ino;
    }

    private static long Ino(Volume vol, long dir, string name)
    {
        Assert.Equal(Errno.OK, vol.Lookup(dir, name, out long ino));
        return ino;
    }

    private static InodeAttr Attr(Volume vol, long ino)
    {
        Assert.Equal(Errno.OK, vol.GetAttr(ino, out var a));
        return a!;
    }

    /// <summary>Back-dates mtime and ctime so a test can see that an operation stamped them.</summary>
    private static void Backdate(Volume vol, params long[] inos)
    {
        foreach (long ino in inos) Assert.Equal(Errno.OK, vol.SetAttr(ino, new SetAttrRequest { Mtime = s_old, Ctime = s_old }));
    }

    private static byte TypeOf(Volume vol, long dir, string name)
    {
        var entries = new List<DirEntry>();
        Assert.Equal(Errno.OK, vol.ReadDir(dir, 0, int.MaxValue, entries));
        return entries.Single(x => x.Name == name).DType;
    }

    [Fact]
    public void Exchanging_two_files_in_one_directory_swaps_the_names_and_stamps_both_inodes_and_the_parent()
    {
        var (dev, vol) = NewFs();
        long root = vol.RootInode;
        long f = Make(vol, root, "f", Reg), g = Make(vol, root, "g", Reg);
        Backdate(vol, f, g, root);
        Assert.Equal(Errno.OK, vol.Exchange(root, "f", root, "g"));
        Assert.Equal((g, f), (Ino(vol, root, "f"), Ino(vol, root, "g")));
        Assert.NotEqual(s_old, Attr(vol, f).Ctime);
        Assert.NotEqual(s_old, Attr(vol, g).Ctime);
        Assert.Equal(s_old, Attr(vol, f).Mtime); // an exchange changes no file's data
        Assert.NotEqual(s_old, Attr(vol, root).Mtime);
        Assert.NotEqual(s_old, Attr(vol, root).Ctime);
        Assert.Equal((1u, 1u, 2u), (Attr(vol, f).Nlink, Attr(vol, g).Nlink, Attr(vol, root).Nlink));
        AssertClean(dev);
    }

    [Fact]
    public void Exchanging_files_across_directories_swaps_them_and_stamps_both_parents_without_changing_link_counts()
    {
        var (dev, vol) = NewFs();
        long root = vol.RootInode;
        long a = Make(vol, root, "a", Dir), b = Make(vol, root, "b", Dir);
        long x = Make(vol, a, "x", Reg);
        Assert.Equal(Errno.OK, vol.Symlink(b, "y", "target", 0, 0, out long y));
        Backdate(vol, a, b);
        Assert.Equal(Errno.OK, vol.Exchange(a, "x", b, "y"));
        Assert.Equal((y, x), (Ino(vol, a, "x"), Ino(vol, b, "y")));
        Assert.Equal(FileTypeBits.DType(FileTypeBits.S_IFLNK), TypeOf(vol, a, "x"));
        Assert.Equal(FileTypeBits.DType(FileTypeBits.S_IFREG), TypeOf(vol, b, "y"));
        Assert.NotEqual(s_old, Attr(vol, a).Mtime);
        Assert.NotEqual(s_old, Attr(vol, b).Ctime);
        Assert.Equal((2u, 2u), (Attr(vol, a).Nlink, Attr(vol, b).Nlink));
        AssertClean(dev);
    }

    [Fact]
    public void Exchanging_a_directory_with_a_file_across_directories_moves_dotdot_and_one_link_between_the_parents()
    {
        var (dev, vol) = NewFs();
        long root = vol.RootInode;
        long a = Make(vol, root, "a", Dir), b = Make(vol, root, "b", Dir);
        long sub = Make(vol, a, "sub", Dir), inner = Make(vol, sub, "inner", Reg);
        long f = Make(vol, b, "f", Reg);
        Assert.Equal((3u, 2u), (Attr(vol, a).Nlink, Attr(vol, b).Nlink));
        Assert.Equal(Errno.OK, vol.Exchange(a, "sub", b, "f"));
        Assert.Equal((f, sub), (Ino(vol, a, "sub"), Ino(vol, b, "f")));
        Assert.Equal(b, Ino(vol, sub, ".."));
        Assert.Equal(inner, Ino(vol, Ino(vol, b, "f"), "inner"));
        Assert.Equal((2u, 3u), (Attr(vol, a).Nlink, Attr(vol, b).Nlink));
        Assert.Equal(FileTypeBits.DType(FileTypeBits.S_IFREG), TypeOf(vol, a, "sub"));
        Assert.Equal(FileTypeBits.DType(FileTypeBits.S_IFDIR), TypeOf(vol, b, "f"));
        AssertClean(dev);
        // And back the other way (the directory is now the second name).
        Assert.Equal(Errno.OK, vol.Exchange(a, "sub", b, "f"));
        Assert.Equal(a, Ino(vol, sub, ".."));
        Assert.Equal((3u, 2u), (Attr(vol, a).Nlink, Attr(vol, b).Nlink));
        AssertClean(dev);
    }

    [Fact]
    public void Exchanging_two_directories_across_parents_swaps_both_dotdots_and_keeps_link_counts()
    {
        var (dev, vol) = NewFs();
        long root = vol.RootInode;
        long a = Make(vol, root, "a", Dir), b = Make(vol, root, "b", Dir);
        long d1 = Make(vol, a, "d1", Dir), d2 = Make(vol, b, "d2", Dir);
        Make(vol, d1, "in-d1", Reg);
        Make(vol, b, "extra", Dir);
        Assert.Equal(Errno.OK, vol.Exchange(a, "d1", b, "d2"));
        Assert.Equal((d2, d1), (Ino(vol, a, "d1"), Ino(vol, b, "d2")));
        Assert.Equal((b, a), (Ino(vol, d1, ".."), Ino(vol, d2, "..")));
        Assert.Equal((3u, 4u), (Attr(vol, a).Nlink, Attr(vol, b).Nlink));
        // Within one directory, two directories swap without any parent change.
        long e1 = Make(vol, a, "e1", Dir);
        Assert.Equal(Errno.OK, vol.Exchange(a, "e1", a, "d1"));
        Assert.Equal((d2, e1), (Ino(vol, a, "e1"), Ino(vol, a, "d1")));
        Assert.Equal((a, a), (Ino(vol, d2, ".."), Ino(vol, e1, "..")));
        Assert.Equal(4u, Attr(vol, a).Nlink);
        AssertClean(dev);
    }

    [Fact]
    public void Exchanging_a_missing_name_fails_with_ENOENT_and_dot_names_with_EBUSY_and_nothing_changes()
    {
        var (dev, vol) = NewFs();
        long root = vol.RootInode;
        long a = Make(vol, root, "a", Dir);
        long f = Make(vol, root, "f", Reg);
        Assert.Equal(Errno.ENOENT, vol.Exchange(root, "f", root, "nope"));
        Assert.Equal(Errno.ENOENT, vol.Exchange(root, "nope", a, "f"));
        Assert.Equal(Errno.ENOENT, vol.Exchange(a, "nope", a, "nope"));
        Assert.Equal(Errno.EBUSY, vol.Exchange(root, "f", a, ".."));
        Assert.Equal(Errno.ENOTDIR, vol.Exchange(f, "x", root, "a"));
        Assert.Equal((a, f), (Ino(vol, root, "a"), Ino(vol, root, "f")));
        Assert.Equal(Errno.ENOENT, vol.Lookup(root, "nope", out _));
        AssertClean(dev);
    }

    [Fact]
    public void Exchanging_a_directory_into_its_own_subtree_fails_with_EINVAL_either_way_round()
    {
        var (dev, vol) = NewFs();
        long root = vol.RootInode;
        long d = Make(vol, root, "d", Dir);
        long sub = Make(vol, d, "sub", Dir);
        long deep = Make(vol, sub, "deep", Dir);
        long x = Make(vol, sub, "x", Reg);
        Make(vol, deep, "y", Reg);
        Assert.Equal(Errno.EINVAL, vol.Exchange(root, "d", sub, "x"));
        Assert.Equal(Errno.EINVAL, vol.Exchange(sub, "x", root, "d"));
        // The ancestor need not be the new parent itself: from deep the chain reaches d two levels up.
        Assert.Equal(Errno.EINVAL, vol.Exchange(root, "d", deep, "y"));
        Assert.Equal(Errno.EINVAL, vol.Exchange(sub, "deep", deep, "y"));
        Assert.Equal((d, x), (Ino(vol, root, "d"), Ino(vol, sub, "x")));
        Assert.Equal((d, sub), (Ino(vol, sub, ".."), Ino(vol, deep, "..")));
        AssertClean(dev);
    }

    [Fact]
    public void Exchanging_two_hard_links_or_a_name_with_itself_succeeds_and_changes_nothing()
    {
        var (dev, vol) = NewFs();
        long root = vol.RootInode;
        long a = Make(vol, root, "a", Dir);
        long f = Make(vol, root, "f", Reg);
        Assert.Equal(Errno.OK, vol.Link(f, a, "g"));
        Backdate(vol, f, root, a);
        Assert.Equal(Errno.OK, vol.Exchange(root, "f", a, "g"));
        Assert.Equal(Errno.OK, vol.Exchange(root, "f", root, "f"));
        Assert.Equal((f, f), (Ino(vol, root, "f"), Ino(vol, a, "g")));
        Assert.Equal((s_old, s_old, s_old), (Attr(vol, f).Ctime, Attr(vol, root).Mtime, Attr(vol, a).Mtime));
        Assert.Equal(2u, Attr(vol, f).Nlink);
        AssertClean(dev);
    }

    [Fact]
    public void Property_random_exchanges_among_files_and_directories_in_large_directories_match_a_model_and_stay_fsck_clean()
    {
        // Directories of a few hundred entries span several leaves (and share some), so exchanges hit one leaf,
        // two leaves of one directory and leaves of two directories.
        var gen =
            from seed in Gen.Choose(0, 1_000_000)
            from count in Gen.Choose(1, 40)
            select (seed, count);
        var (dev, vol) = NewFs();
        long root = vol.RootInode;
        long[] dirs = [Make(vol, root, "p", Dir), Make(vol, root, "q", Dir)];
        var model = new Dictionary<(int Dir, string Name), long>();
        var isDir = new HashSet<long>();
        for (int d = 0; d < 2; d++)
            for (int i = 0; i < 300; i++)
            {
                bool dir = i % 7 == 0;
                string name = $"n{i}-{new string('x', i % 40)}";
                long ino = Make(vol, dirs[d], name, dir ? Dir : Reg);
                model[(d, name)] = ino;
                if (dir) isDir.Add(ino);
            }
        var keys = model.Keys.ToArray();
        Prop.ForAll(Arb.From(gen), c =>
        {
            var rng = new Random(c.seed);
            for (int k = 0; k < c.count; k++)
            {
                var x = keys[rng.Next(keys.Length)];
                var y = keys[rng.Next(keys.Length)];
                Assert.Equal(Errno.OK, vol.Exchange(dirs[x.Dir], x.Name, dirs[y.Dir], y.Name));
                (model[x], model[y]) = (model[y], model[x]);
            }
            foreach (var ((d, name), ino) in model)
            {
                Assert.Equal(ino, Ino(vol, dirs[d], name));
                if (isDir.Contains(ino)) Assert.Equal(dirs[d], Ino(vol, ino, ".."));
            }
            for (int d = 0; d < 2; d++)
                Assert.Equal(2u + (uint)model.Count(kv => kv.Key.Dir == d && isDir.Contains(kv.Value)), Attr(vol, dirs[d]).Nlink);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
        AssertClean(dev);
    }
}
