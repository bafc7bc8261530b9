using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Iter;

public class GeometryTests
{
    private const int P = Page.Size;

    [Fact]
    public void Npages_counts_the_pages_each_user_segment_touches_from_the_current_position()
    {
        using var mm = new AddressSpace();
        var it = IovIter.CreateIovec(IterDirection.Source, mm, [new(0x10000 + P - 1, 2), new(0x20000, 0), new(0x30000, 3 * P)]);

        Assert.Equal(2 + 3, it.Npages(100));
        Assert.Equal(3, it.Npages(3));
        it.Advance(2 + P);
        Assert.Equal(2, it.Npages(100));
        Assert.Equal(0, it.Npages(0));
        Assert.Equal(2 * P, it.Count);
    }

    [Fact]
    public void Npages_of_a_truncated_ubuf_counts_only_the_count()
    {
        using var mm = new AddressSpace();
        var it = IovIter.CreateUbuf(IterDirection.Dest, mm, 0x10000 + 100, 10 * P);
        it.Truncate(P);

        Assert.Equal(2, it.Npages(100));
    }

    [Fact]
    public void Npages_of_kernel_kinds_and_discard()
    {
        var bvec = IovIter.CreateBvec(IterDirection.Dest, [new Bvec(new Page(), 4000, 96), new Bvec(new Page(), 0, 1)]);
        var kvec = IovIter.CreateKvec(IterDirection.Dest, new Memory<byte>[] { new byte[P + 1], new byte[5] });

        Assert.Equal(2, bvec.Npages(10));
        Assert.Equal(3, kvec.Npages(10));
        Assert.Equal(0, IovIter.CreateDiscard(5 * P).Npages(10));
        Assert.Throws<ArgumentException>(() => kvec.Npages(-1));
    }

    [Fact]
    public void Alignment_ors_the_address_and_length_of_every_remaining_piece()
    {
        using var mm = new AddressSpace();
        var it = IovIter.CreateIovec(IterDirection.Dest, mm, [new(0x10000, 512), new(0x30000, 0), new(0x20200, 1024)]);

        Assert.Equal(0x10000UL | 512 | 0x20200 | 1024, it.Alignment());
        Assert.Equal(0UL, it.Alignment() & 511);
        it.Advance(100);
        Assert.Equal(0x10064UL | 412 | 0x20200 | 1024, it.Alignment());
        it.Truncate(412 + 1000);
        Assert.Equal(0x10064UL | 412 | 0x20200 | 1000, it.Alignment());
        Assert.Equal(412 + 1000, it.Count);
    }

    [Fact]
    public void Alignment_of_kernel_kinds_uses_offsets_and_lengths()
    {
        var bvec = IovIter.CreateBvec(IterDirection.Dest, [new Bvec(new Page(), 512, 1024)]);
        var kvec = IovIter.CreateKvec(IterDirection.Dest, new byte[4096]);

        Assert.Equal(512UL | 1024, bvec.Alignment());
        Assert.Equal(4096UL, kvec.Alignment());
        Assert.Equal(0UL, IovIter.CreateDiscard(3).Alignment());
    }
}
