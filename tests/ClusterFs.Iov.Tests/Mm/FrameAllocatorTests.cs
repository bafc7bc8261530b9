using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Mm;

public sealed class FrameAllocatorTests
{
    private const int P = Page.Size;
    private const ulong Base = 0x6000_0000;

    [Fact]
    public void PagesAllocatedInARowOnOneThreadAreConsecutivePageAlignedSlicesUntilTheSlabIsFull()
    {
        var pages = Enumerable.Range(0, 3 * FrameAllocator.SlabPages).Select(_ => new Page()).ToArray();
        int slabs = 0;
        for (int i = 0; i < pages.Length; i++)
        {
            var page = pages[i];
            Assert.Equal(0u, FrameAllocator.AddressOf(page.Array, page.Offset) % P);
            Assert.InRange(page.Offset, 0, page.Array.Length - P);
            if (i == 0) continue;
            var prev = pages[i - 1];
            if (ReferenceEquals(prev.Array, page.Array))
            {
                Assert.Equal(prev.Offset + P, page.Offset);
            }
            else
            {
                // A new slab starts only when the previous one is used up, at its first aligned byte.
                Assert.True(prev.Offset + 2 * P > prev.Array.Length, $"slab left with room after offset {prev.Offset}");
                Assert.True(page.Offset < P, $"a slab's first frame at offset {page.Offset}");
                slabs++;
            }
        }
        Assert.InRange(slabs, 2, 3);
    }

    [Fact]
    public void ANewPageIsZeroedAndWritingItLeavesItsSlabNeighboursAlone()
    {
        var a = new Page();
        var b = new Page();
        var c = new Page();
        Assert.Equal(-1, b.Span.IndexOfAnyExcept((byte)0));
        b.Span.Fill(0xAB);
        Assert.Equal(-1, a.Span.IndexOfAnyExcept((byte)0));
        Assert.Equal(-1, c.Span.IndexOfAnyExcept((byte)0));
        Assert.Equal(P, b.Span.Length);
        Assert.Equal(P, b.Memory.Length);
    }

    [Fact]
    public void APinnedPageKeepsItsBytesAfterMunmapWhileTheAllocatorHandsOutMoreFrames()
    {
        using var mm = new AddressSpace();
        Assert.Equal((long)Base, mm.Mmap(Base, 4 * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed));
        var data = Enumerable.Range(0, 4 * P).Select(i => (byte)(i * 7 + 3)).ToArray();
        Assert.Equal(0, mm.CopyToUser(Base, data));
        var pinned = new Page[1];
        Assert.Equal(1, mm.GetUserPages(Base + P, 1, GupFlags.Pin | GupFlags.Write, pinned));
        Assert.True(mm.Munmap(Base, 4 * P).IsOk);
        Assert.True(mm.Mmap(Base, 4 * P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed) > 0);

        // Fill several slabs' worth of new memory (and collect) while the pin is held: no new frame may
        // be a slice the pinned page still uses, so its bytes must survive untouched.
        var fresh = Enumerable.Range(0, 4 * FrameAllocator.SlabPages).Select(_ => new Page()).ToArray();
        foreach (var f in fresh) f.Span.Fill(0xEE);
        Assert.Equal(0, mm.CopyToUser(Base, new byte[4 * P]));
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.DoesNotContain(fresh, f => ReferenceEquals(f.Array, pinned[0].Array) && f.Offset == pinned[0].Offset);
        Assert.Equal(data.AsSpan(P, P).ToArray(), pinned[0].Span.ToArray());
        AddressSpace.ReleasePages(pinned, GupFlags.Pin);
    }

    [Fact]
    public void APageOverCallerStorageMustFitInsideTheArray()
    {
        var array = new byte[3 * P];
        var page = new Page(array, P);
        page.Span[0] = 5;
        Assert.Equal(5, array[P]);
        Assert.Throws<ArgumentException>(() => new Page(array, 2 * P + 1));
        Assert.Throws<ArgumentException>(() => new Page(array, -1));
        Assert.Throws<ArgumentException>(() => new Page(new byte[P - 1]));
    }
}
