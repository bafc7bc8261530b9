using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Tests.Iter;

public class UserIterTests
{
    private const int P = Page.Size;

    [Fact]
    public void Ubuf_CopyTo_stops_exactly_at_the_first_unmapped_page_and_advances_only_by_what_was_copied()
    {
        using var mem = UserMemory.Create([PageState.Resident, PageState.Untouched, PageState.Hole], 1);
        ulong start = mem.Base + 100;
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, start, 3 * P - 100);
        var src = SegmentedBuffer.Pattern(3 * P - 100, 2);

        long n = it.CopyTo(src);

        Assert.Equal(2 * P - 100, n);
        Assert.Equal(P, it.Count);
        Assert.Equal(2 * P - 100, it.IovOffset);
        Assert.Equal(src[..(2 * P - 100)], mem.Peek(start, 2 * P - 100));
    }

    [Fact]
    public void Ubuf_CopyTo_with_faults_disabled_stops_at_the_first_page_that_needs_a_fault()
    {
        using var mem = UserMemory.Create([PageState.Resident, PageState.Untouched], 3);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base + 10, 2 * P - 10);

        long n;
        using (Faults.Disable())
            n = it.CopyTo(new byte[2 * P - 10]);

        Assert.Equal(P - 10, n);
        Assert.Null(mem.Mm.GetPte(mem.Base + P));
        Assert.Equal(P, it.Count);
    }

    [Fact]
    public void Ubuf_CopyFrom_is_raw_and_leaves_the_uncopied_tail_of_the_destination_alone()
    {
        using var mem = UserMemory.Create([PageState.ReadOnly, PageState.Hole], 4);
        var it = IovIter.CreateUbuf(IterDirection.Source, mem.Mm, mem.Base + P - 30, 60);
        var dst = Enumerable.Repeat((byte)0x77, 60).ToArray();

        Assert.Equal(30, it.CopyFrom(dst));

        Assert.Equal(mem.ModelAt(mem.Base + P - 30, 30).ToArray(), dst[..30]);
        Assert.All(dst[30..], b => Assert.Equal(0x77, b));
        Assert.Equal(30, it.Count);
    }

    [Fact]
    public void Writing_into_a_read_only_page_copies_nothing()
    {
        using var mem = UserMemory.Create([PageState.ReadOnly], 5);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base, P);

        Assert.Equal(0, it.CopyTo(new byte[P]));
        Assert.Equal(0, it.Zero(P));
        Assert.Equal(P, it.Count);
        Assert.Equal(mem.ModelAt(mem.Base, P).ToArray(), mem.Peek(mem.Base, P));
    }

    [Fact]
    public void Iovec_copies_segment_by_segment_and_stops_at_the_first_short_segment()
    {
        using var mem = UserMemory.Create([PageState.Resident, PageState.Resident, PageState.Hole, PageState.Resident], 6);
        Iovec[] segs = [new(mem.Base + 3 * P, 100), new(mem.Base, 0), new(mem.Base + P + 4000, 200), new(mem.Base, 50)];
        var it = IovIter.CreateIovec(IterDirection.Dest, mem.Mm, segs);
        var src = SegmentedBuffer.Pattern(350, 7);

        long n = it.CopyTo(src);

        Assert.Equal(100 + 96, n);
        Assert.Equal(350 - 196, it.Count);
        Assert.Equal(2, it.NrSegs);
        Assert.Equal(96, it.IovOffset);
        Assert.Equal(src[..100], mem.Peek(mem.Base + 3 * P, 100));
        Assert.Equal(src[100..196], mem.Peek(mem.Base + P + 4000, 96));
        Assert.Equal(mem.ModelAt(mem.Base, 50).ToArray(), mem.Peek(mem.Base, 50));
    }

    [Fact]
    public void Iovec_revert_after_a_short_copy_returns_to_the_start()
    {
        using var mem = UserMemory.Create([PageState.Resident, PageState.Hole], 8);
        var it = IovIter.CreateIovec(IterDirection.Dest, mem.Mm, [new(mem.Base, 10), new(mem.Base + P - 5, 10)]);

        long n = it.CopyTo(new byte[20]);
        Assert.Equal(15, n);
        it.Revert(n);

        Assert.Equal(20, it.Count);
        Assert.Equal(2, it.NrSegs);
        Assert.Equal(0, it.IovOffset);
        Assert.Throws<ArgumentException>(() => it.Revert(1));
    }

    [Fact]
    public void Ubuf_revert_past_the_start_throws_instead_of_straying_before_the_buffer()
    {
        using var mem = UserMemory.Create([PageState.Resident], 9);
        var it = IovIter.CreateUbuf(IterDirection.Source, mem.Mm, mem.Base + 8, 100);
        it.Advance(10);

        Assert.Throws<ArgumentException>(() => it.Revert(11));
        it.Revert(10);
        Assert.Equal(0, it.IovOffset);
        Assert.Equal(100, it.Count);
    }

    [Fact]
    public void Ubuf_SingleSegCount_is_the_count()
    {
        using var mem = UserMemory.Create([PageState.Resident], 10);
        var it = IovIter.CreateUbuf(IterDirection.Source, mem.Mm, mem.Base, 100);
        it.Advance(30);

        Assert.Equal(1, it.NrSegs);
        Assert.Equal(70, it.SingleSegCount());
    }

    [Fact]
    public void Iovec_SingleSegCount_is_the_rest_of_the_current_segment()
    {
        using var mem = UserMemory.Create([PageState.Resident], 11);
        var it = IovIter.CreateIovec(IterDirection.Source, mem.Mm, [new(mem.Base, 40), new(mem.Base + 100, 60)]);
        it.Advance(15);

        Assert.Equal(25, it.SingleSegCount());
    }

    [Fact]
    public void User_factories_refuse_negative_and_wrapping_ranges()
    {
        using var mem = UserMemory.Create([PageState.Resident], 12);

        Assert.Throws<ArgumentException>(() => IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base, -1));
        Assert.Throws<ArgumentException>(() => IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, ulong.MaxValue - 5, 10));
        Assert.Throws<ArgumentException>(() => IovIter.CreateIovec(IterDirection.Dest, mem.Mm, [new(mem.Base, 5), new(mem.Base, -5)]));
        Assert.Throws<ArgumentException>(() => IovIter.CreateIovec(IterDirection.Dest, mem.Mm, [new(0, long.MaxValue), new(0, 1)]));
        Assert.Throws<ArgumentException>(() => IovIter.CreateUbuf((IterDirection)7, mem.Mm, mem.Base, 1));
        Assert.Throws<ArgumentNullException>(() => IovIter.CreateUbuf(IterDirection.Dest, null!, mem.Base, 1));
    }

    [Fact]
    public void An_iterator_over_a_disposed_address_space_copies_nothing()
    {
        var mem = UserMemory.Create([PageState.Resident], 13);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base, P);
        mem.Dispose();

        Assert.Equal(0, it.CopyTo(new byte[P]));
        Assert.Equal(P, FaultInIter.FaultInIovIterWriteable(it, P));
        Assert.Equal(0, it.GetPages(new Page[1], P, 1, out _));
        Assert.Equal(P, it.Count);
    }

    [Fact]
    public void CopyPageFromIterAtomic_copies_nothing_from_a_page_that_needs_a_fault_and_everything_once_faulted_in()
    {
        using var mem = UserMemory.Create([PageState.Untouched, PageState.Resident], 14);
        var it = IovIter.CreateUbuf(IterDirection.Source, mem.Mm, mem.Base + P - 100, 200);
        var page = new Page();

        Assert.Equal(0, it.CopyPageFromIterAtomic(page, 0, 200));
        Assert.Equal(200, it.Count);
        Assert.Equal(0, FaultInIter.FaultInIovIterReadable(it, 200));

        Assert.Equal(200, it.CopyPageFromIterAtomic(page, 0, 200));
        Assert.Equal(mem.ModelAt(mem.Base + P - 100, 200).ToArray(), page.Span[..200].ToArray());
        Assert.False(Faults.AreDisabled);
    }

    [Fact]
    public void CopyPageFromIterAtomic_on_a_destination_returns_zero()
    {
        using var mem = UserMemory.Create([PageState.Resident], 15);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base, 100);

        Assert.Equal(0, it.CopyPageFromIterAtomic(new Page(), 0, 100));
        Assert.Throws<ArgumentException>(() => it.CopyPageFromIterAtomic(new Page(), 4000, 100));
    }

    [Fact]
    public void CopyPageToIter_into_user_memory_stops_at_a_hole()
    {
        using var mem = UserMemory.Create([PageState.Untouched, PageState.Hole], 16);
        var page = new Page();
        SegmentedBuffer.Pattern(P, 17).CopyTo(page.Span);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base + P - 64, 512);

        Assert.Equal(64, it.CopyPageToIter(page, 1000, 512));
        Assert.Equal(page.Span[1000..1064].ToArray(), mem.Peek(mem.Base + P - 64, 64));
    }

    [Fact]
    public void Zero_of_user_memory_clears_up_to_the_first_inaccessible_page()
    {
        using var mem = UserMemory.Create([PageState.Resident, PageState.ReadOnly], 18);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base + 96, 2 * P - 96);

        Assert.Equal(P - 96, it.Zero(2 * P));
        Assert.All(mem.Peek(mem.Base + 96, P - 96), b => Assert.Equal(0, b));
        Assert.Equal(mem.ModelAt(mem.Base, 96).ToArray(), mem.Peek(mem.Base, 96));
    }
}
