using ClusterFs.Fs.Api;
using ClusterFs.Fs.PageCache;
using ClusterFs.Iov.Mm;
using FsCheck;
using FsCheck.Fluent;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

[Collection(IoCollection.Name)]
public class PageCacheTests
{
    private static (ClusterFs.Fs.Storage.MemoryBlockDevice Dev, long Ino) FileOnDisk(int pages)
    {
        var dev = NewDevice();
        using var node = Mount(dev);
        using var p = new FsProcess(node);
        int fd = (int)p.Open("/f", OpenFlags.Create | OpenFlags.ReadWrite);
        Assert.Equal(pages * Page.Size, p.Write(fd, Pattern(pages * Page.Size, 5)));
        Ok(p.Fstat(fd, out var attr));
        return (dev, attr!.Ino);
    }

    [Fact]
    public void ReadOfAMissingPageReadsAheadOneWindowAndNoMore()
    {
        var (dev, ino) = FileOnDisk(100);
        using var node = Mount(dev);
        using var p = new FsProcess(node);
        int fd = (int)p.Open("/f", OpenFlags.ReadOnly);
        var b = new byte[10];
        Assert.Equal(10, p.Pread(fd, b, 0));
        Assert.Equal(PageCacheTree.ReadaheadPages, node.GetInode(ino).Cache.Count);
        Assert.Equal(10, p.Pread(fd, b, 99 * Page.Size)); // the window stops at EOF
        Assert.Equal(PageCacheTree.ReadaheadPages + 1, node.GetInode(ino).Cache.Count);
    }

    [Fact]
    public void ShrinkingTruncateDropsPagesPastTheEndAndZeroesThePartialPage()
    {
        var (dev, ino) = FileOnDisk(8);
        using var node = Mount(dev);
        using var p = new FsProcess(node);
        int fd = (int)p.Open("/f", OpenFlags.ReadWrite);
        long map = p.Mmap(fd, 0, 8 * Page.Size, Prot.Read, MapFlags.Shared, 0);
        var all = new byte[8 * Page.Size];
        Assert.Equal(0, p.Mm.CopyFromUser((ulong)map, all)); // every page cached and mapped
        Ok(p.Ftruncate(fd, Page.Size + 100));
        var cache = node.GetInode(ino).Cache;
        Assert.Equal(2, cache.Count);
        Assert.Null(p.Mm.GetPte((ulong)map + 5 * Page.Size)); // unmapped through the reverse map
        Ok(p.Ftruncate(fd, 2 * Page.Size));
        var back = new byte[2 * Page.Size];
        Assert.Equal(back.Length, p.Pread(fd, back, 0));
        Assert.Equal(Pattern(Page.Size + 100, 5), back[..(Page.Size + 100)]);
        Assert.True(back.AsSpan(Page.Size + 100).IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void DirtyPagesAndDropOverAnyRangeMatchAScanOfEveryCachedPage()
    {
        // Narrow ranges are looked up index by index, wide ones (to the end of the file) scanned: both must pick
        // exactly the pages in range.
        var (dev, ino) = FileOnDisk(1);
        using var node = Mount(dev);
        var cache = node.GetInode(ino).Cache;
        var gen =
            from pages in Gen.ListOf(Gen.Choose(0, 200).Zip(Gen.Elements(true, false)))
            from a in Gen.Choose(0, 210)
            from b in Gen.Choose(0, 210)
            from wide in Gen.Elements(false, true)
            select (Pages: pages, A: a, B: b, Wide: wide);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (pages, a, b, wide) = t;
            long from = Math.Min(a, b), to = wide ? long.MaxValue : Math.Max(a, b); // wide: the scanning path
            cache.Drop(0, long.MaxValue);
            var model = new SortedDictionary<long, bool>();
            foreach (var (index, dirty) in pages)
            {
                cache.FindOrCreate(index).Page.Dirty = dirty;
                model[index] = dirty;
            }
            var wantDirty = model.Where(kv => kv.Key >= from && kv.Key < to && kv.Value).Select(kv => kv.Key).ToList();
            Assert.Equal(wantDirty, cache.DirtyPages(from, to).Select(cp => cp.Index).ToList());
            int inRange = model.Keys.Count(i => i >= from && i < to);
            Assert.Equal(inRange, cache.Drop(from, to));
            Assert.Equal(model.Count - inRange, cache.Count);
            Assert.All(model.Keys, i => Assert.Equal(i < from || i >= to, cache.Find(i) is not null));
            cache.Drop(0, long.MaxValue); // no dirty page may reach the unmount's write-back
        }).QuickCheckThrowOnFailure();
    }
}
