using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Tests.Iter;

public class FaultInIterTests
{
    private const int P = Page.Size;

    [Fact]
    public void Readable_faults_in_the_whole_range_and_does_not_move_the_iterator()
    {
        using var mem = UserMemory.Create([PageState.Untouched, PageState.Untouched], 1);
        var it = IovIter.CreateUbuf(IterDirection.Source, mem.Mm, mem.Base + 5, 2 * P - 5);
        var before = it.SaveState();

        Assert.Equal(0, FaultInIter.FaultInIovIterReadable(it, 2 * P - 5));

        Assert.Equal(before, it.SaveState());
        Assert.NotNull(mem.Mm.GetPte(mem.Base));
        Assert.NotNull(mem.Mm.GetPte(mem.Base + P));
    }

    [Fact]
    public void A_size_beyond_the_count_of_a_user_iterator_counts_as_not_faulted_in()
    {
        using var mem = UserMemory.Create([PageState.Resident], 2);
        var it = IovIter.CreateUbuf(IterDirection.Source, mem.Mm, mem.Base, 100);

        Assert.Equal(50, FaultInIter.FaultInIovIterReadable(it, 150));
        Assert.Equal(50, FaultInIter.FaultInIovIterWriteable(it, 150));
    }

    [Fact]
    public void Writeable_stops_at_the_first_page_it_cannot_write_and_counts_the_partial_first_page_as_done()
    {
        using var mem = UserMemory.Create([PageState.Untouched, PageState.ReadOnly, PageState.Untouched], 3);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base + 1000, 3 * P - 1000);

        Assert.Equal(2 * P, FaultInIter.FaultInIovIterWriteable(it, 3 * P - 1000));

        Assert.True(mem.Mm.GetPte(mem.Base)!.IsWritable);
        Assert.Null(mem.Mm.GetPte(mem.Base + 2 * P));
    }

    [Fact]
    public void Writeable_breaks_copy_on_write_of_the_zero_page()
    {
        using var mem = UserMemory.Create([PageState.Untouched], 4);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base, P);
        Assert.Equal(0, FaultInIter.FaultInIovIterReadable(it, P));
        Assert.True(mem.Mm.GetPte(mem.Base)!.Page!.IsZeroPage);

        Assert.Equal(0, FaultInIter.FaultInIovIterWriteable(it, P));

        var pte = mem.Mm.GetPte(mem.Base)!;
        Assert.False(pte.Page!.IsZeroPage);
        Assert.True(pte.IsWritable);
    }

    [Fact]
    public void Iovec_fault_in_stops_at_the_first_short_segment()
    {
        using var mem = UserMemory.Create([PageState.Untouched, PageState.Hole, PageState.Untouched], 5);
        var it = IovIter.CreateIovec(IterDirection.Source, mem.Mm,
            [new(mem.Base, 100), new(mem.Base + P - 10, 20), new(mem.Base + 2 * P, 100)]);

        // Segment 2 faults in its first 10 bytes (the partial first page), then fails at the hole;
        // segment 3 is never probed.
        Assert.Equal(10 + 100, FaultInIter.FaultInIovIterReadable(it, 220));
        Assert.Null(mem.Mm.GetPte(mem.Base + 2 * P));
    }

    [Fact]
    public void Iovec_fault_in_skips_empty_segments_and_starts_at_the_current_offset()
    {
        using var mem = UserMemory.Create([PageState.Hole, PageState.Untouched], 6);
        var it = IovIter.CreateIovec(IterDirection.Source, mem.Mm,
            [new(mem.Base, 10), new(mem.Base, 0), new(mem.Base + P, 100)]);
        it.Advance(10);

        Assert.Equal(0, FaultInIter.FaultInIovIterReadable(it, 100));
        Assert.Equal(10, FaultInIter.FaultInIovIterReadable(it, 110));
    }

    [Fact]
    public void Fault_in_while_faults_are_disabled_faults_nothing_in()
    {
        using var mem = UserMemory.Create([PageState.Resident, PageState.Untouched], 7);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base, 2 * P);

        using (Faults.Disable())
        {
            Assert.Equal(P, FaultInIter.FaultInIovIterReadable(it, 2 * P));
            Assert.Equal(P, FaultInIter.FaultInIovIterWriteable(it, 2 * P));
        }
        Assert.Null(mem.Mm.GetPte(mem.Base + P));
    }

    [Fact]
    public void A_zero_size_faults_in_nothing_and_succeeds()
    {
        using var mem = UserMemory.Create([PageState.Hole], 8);
        var it = IovIter.CreateUbuf(IterDirection.Dest, mem.Mm, mem.Base, P);

        Assert.Equal(0, FaultInIter.FaultInIovIterReadable(it, 0));
        Assert.Throws<ArgumentException>(() => FaultInIter.FaultInIovIterWriteable(it, -1));
        Assert.Throws<ArgumentNullException>(() => FaultInIter.FaultInIovIterWriteable(null!, 1));
    }
}
