using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Iter;

public class KvecIterTests
{
    private static readonly int[] s_layout = [5, 0, 7, 3, 0, 0, 9];

    [Fact]
    public void CopyTo_fills_the_segments_in_order_and_advances_by_the_bytes_copied()
    {
        var buf = SegmentedBuffer.Kvec(s_layout);
        var it = buf.NewIter(IterDirection.Dest);
        var src = SegmentedBuffer.Pattern(10, 1);

        long n = it.CopyTo(src);

        Assert.Equal(src.Length, n);
        Assert.Equal(buf.Total - src.Length, it.Count);
        Assert.Equal(src, buf.Flatten()[..src.Length]);
        Assert.All(buf.Flatten()[src.Length..], b => Assert.Equal(0, b));
        Assert.True(buf.GuardsIntact());
    }

    [Fact]
    public void CopyTo_more_than_the_count_copies_only_the_count()
    {
        var buf = SegmentedBuffer.Kvec(s_layout);
        var it = buf.NewIter(IterDirection.Dest);
        var src = SegmentedBuffer.Pattern((int)buf.Total + 50, 2);

        Assert.Equal(buf.Total, it.CopyTo(src));
        Assert.Equal(0, it.Count);
        Assert.Equal(src[..(int)buf.Total], buf.Flatten());
        Assert.True(buf.GuardsIntact());
    }

    [Fact]
    public void CopyFrom_reads_the_segments_in_order_and_leaves_the_rest_of_the_destination_alone()
    {
        var buf = SegmentedBuffer.Kvec(s_layout);
        var data = SegmentedBuffer.Pattern((int)buf.Total, 3);
        buf.Fill(data);
        var it = buf.NewIter(IterDirection.Source);
        var dst = new byte[buf.Total + 4];
        dst.AsSpan().Fill(0x55);

        Assert.Equal(buf.Total, it.CopyFrom(dst));
        Assert.Equal(data, dst[..(int)buf.Total]);
        Assert.All(dst[(int)buf.Total..], b => Assert.Equal(0x55, b));
    }

    [Fact]
    public void Copies_in_the_wrong_direction_return_zero_and_do_not_move_the_iterator()
    {
        var buf = SegmentedBuffer.Kvec(s_layout);
        var source = buf.NewIter(IterDirection.Source);
        var dest = buf.NewIter(IterDirection.Dest);

        Assert.Equal(0, source.CopyTo(new byte[4]));
        Assert.Equal(0, dest.CopyFrom(new byte[4]));
        Assert.Equal(buf.Total, source.Count);
        Assert.Equal(buf.Total, dest.Count);
        Assert.All(buf.Flatten(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void An_exact_segment_end_lands_at_the_start_of_the_next_segment()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new Memory<byte>[] { new byte[4], new byte[6] });

        it.CopyTo(new byte[4]);

        Assert.Equal(0, it.IovOffset);
        Assert.Equal(1, it.NrSegs);
        Assert.Equal(6, it.Count);
    }

    [Fact]
    public void Advance_is_clamped_to_the_count()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new byte[10]);

        it.Advance(25);

        Assert.Equal(0, it.Count);
        it.Revert(10);
        Assert.Equal(10, it.Count);
        Assert.Equal(0, it.IovOffset);
    }

    [Fact]
    public void Revert_steps_back_across_segments_and_skips_empty_ones()
    {
        var buf = SegmentedBuffer.Kvec(s_layout);
        var data = SegmentedBuffer.Pattern((int)buf.Total, 4);
        buf.Fill(data);
        var it = buf.NewIter(IterDirection.Source);
        it.Advance(20);

        it.Revert(13);

        Assert.Equal(buf.Total - 7, it.Count);
        var dst = new byte[3];
        Assert.Equal(3, it.CopyFrom(dst));
        Assert.Equal(data[7..10], dst);
    }

    [Fact]
    public void Revert_landing_exactly_on_a_segment_start_gives_offset_zero_of_that_segment()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new Memory<byte>[] { new byte[4], new byte[6], new byte[5] });
        it.Advance(12);

        it.Revert(8);

        Assert.Equal(0, it.IovOffset);
        Assert.Equal(2, it.NrSegs);
        Assert.Equal(11, it.Count);
    }

    [Fact]
    public void Revert_of_more_than_was_consumed_throws_and_leaves_the_iterator_as_it_was()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new Memory<byte>[] { new byte[4], new byte[6] });
        it.Advance(5);
        var before = it.SaveState();

        var ex = Assert.Throws<ArgumentException>(() => it.Revert(6));

        Assert.Contains("only 5 were consumed", ex.Message);
        Assert.Equal(before, it.SaveState());
    }

    [Fact]
    public void Revert_past_the_start_of_a_fresh_iterator_throws()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new byte[8]);

        Assert.Throws<ArgumentException>(() => it.Revert(1));
        Assert.Equal(8, it.Count);
    }

    [Fact]
    public void Negative_lengths_throw_ArgumentException()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new byte[8]);

        Assert.Throws<ArgumentException>(() => it.Advance(-1));
        Assert.Throws<ArgumentException>(() => it.Revert(-1));
        Assert.Throws<ArgumentException>(() => it.Truncate(-1));
        Assert.Throws<ArgumentException>(() => it.Reexpand(-1));
        Assert.Throws<ArgumentException>(() => it.Zero(-1));
        Assert.Equal(8, it.Count);
    }

    [Fact]
    public void Truncate_lowers_the_count_only_and_reexpand_restores_it()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new Memory<byte>[] { new byte[4], new byte[6] });
        it.Advance(1);

        it.Truncate(3);
        Assert.Equal(3, it.Count);
        it.Truncate(7);
        Assert.Equal(3, it.Count);
        Assert.Equal(3, it.CopyTo(new byte[9]));
        it.Reexpand(9 - 3);

        Assert.Equal(6, it.Count);
        Assert.Equal(6, it.CopyTo(new byte[9]));
    }

    [Fact]
    public void Reexpand_beyond_what_the_segments_hold_throws()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new Memory<byte>[] { new byte[4], new byte[6] });
        it.Advance(3);

        Assert.Throws<ArgumentException>(() => it.Reexpand(8));
        Assert.Equal(7, it.Count);
    }

    [Fact]
    public void SingleSegCount_is_the_rest_of_the_current_segment_while_more_segments_follow()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new Memory<byte>[] { new byte[4], new byte[6] });
        it.Advance(1);
        Assert.Equal(3, it.SingleSegCount());

        it.Truncate(2);
        Assert.Equal(2, it.SingleSegCount());

        it.Reexpand(9);
        it.Advance(3);
        Assert.Equal(1, it.NrSegs);
        Assert.Equal(6, it.SingleSegCount());
    }

    [Fact]
    public void Zero_clears_across_segments_and_advances()
    {
        var buf = SegmentedBuffer.Kvec(s_layout);
        buf.Fill(SegmentedBuffer.Pattern((int)buf.Total, 5));
        var it = buf.NewIter(IterDirection.Dest);
        it.Advance(2);

        Assert.Equal(12, it.Zero(12));

        var flat = buf.Flatten();
        Assert.All(flat[2..14], b => Assert.Equal(0, b));
        Assert.DoesNotContain((byte)0, flat[14..]);
        Assert.DoesNotContain((byte)0, flat[..2]);
        Assert.True(buf.GuardsIntact());
    }

    [Fact]
    public void GetPages_of_a_kvec_is_EFAULT_and_does_not_move_the_iterator()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new byte[100]);

        Assert.Equal(Errno.EFAULT.Negative, it.GetPages(new Page[4], 100, 4, out _));
        Assert.Equal(Errno.EFAULT.Negative, it.GetPagesAlloc(100, out var pages, out _));
        Assert.Null(pages);
        Assert.Equal(100, it.Count);
    }

    [Fact]
    public void Fault_in_of_a_kvec_always_succeeds_even_beyond_the_count()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new byte[100]);

        Assert.Equal(0, FaultInIter.FaultInIovIterReadable(it, 1000));
        Assert.Equal(0, FaultInIter.FaultInIovIterWriteable(it, 1000));
        Assert.Throws<ArgumentException>(() => FaultInIter.FaultInIovIterReadable(it, -1));
        Assert.Equal(100, it.Count);
    }

    [Fact]
    public void SaveState_and_Restore_return_to_the_saved_position()
    {
        var buf = SegmentedBuffer.Kvec(s_layout);
        var data = SegmentedBuffer.Pattern((int)buf.Total, 6);
        buf.Fill(data);
        var it = buf.NewIter(IterDirection.Source);
        it.Advance(6);
        var saved = it.SaveState();
        it.CopyFrom(new byte[11]);

        it.Restore(saved);

        var dst = new byte[4];
        it.CopyFrom(dst);
        Assert.Equal(data[6..10], dst);
    }

    [Fact]
    public void Restore_of_a_state_that_is_not_a_position_of_the_iterator_throws()
    {
        var it = IovIter.CreateKvec(IterDirection.Dest, new Memory<byte>[] { new byte[4], new byte[6] });
        var good = it.SaveState();

        Assert.Throws<ArgumentException>(() => it.Restore(good with { Consumed = 3 }));
        Assert.Throws<ArgumentException>(() => it.Restore(good with { NrSegs = 3 }));
        Assert.Throws<ArgumentException>(() => it.Restore(good with { Count = 11 }));
        Assert.Throws<ArgumentException>(() => it.Restore(new IovIterState(5, 1, 2, 5)));
        Assert.Equal(good, it.SaveState());
    }

    [Fact]
    public void An_empty_kvec_is_a_valid_empty_iterator()
    {
        var empty = IovIter.CreateKvec(IterDirection.Source, ReadOnlySpan<Memory<byte>>.Empty);

        Assert.Equal(0, empty.Count);
        Assert.Equal(0, empty.NrSegs);
        Assert.Equal(0, empty.CopyFrom(new byte[3]));
    }
}
