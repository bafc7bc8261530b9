using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tests.Iter;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Iov.Tests.Properties;

/// <summary>
/// Invariants of the iterator over kernel memory (KVEC, BVEC, DISCARD), each checked on 500 random
/// layouts. The model is the flat concatenation of the segments and a byte position in it.
/// </summary>
public class KernelIterProperties
{
    [Fact]
    public void Advance_then_Revert_of_the_same_amount_restores_the_iterator()
    {
        PropCheck.Run(Prop.ForAll(IterGens.KernelArb(), c =>
        {
            var buf = c.Build();
            var data = SegmentedBuffer.Pattern((int)buf.Total, c.Seed);
            buf.Fill(data);
            var rnd = new Random(c.Seed);
            var it = buf.NewIter(IterDirection.Source);
            it.Advance(rnd.NextInt64(buf.Total + 1));
            var before = it.SaveState();
            long n = rnd.NextInt64(it.Count + 1);

            it.Advance(n);
            it.Revert(n);

            // The position may be written differently (offset 0 of a segment vs the end of an empty
            // one before it), as in the kernel; what the iterator yields next must be identical.
            var after = it.SaveState();
            var rest = new byte[it.Count];
            return after.Count == before.Count && after.Consumed == before.Consumed
                && it.CopyFrom(rest) == rest.Length
                && rest.AsSpan().SequenceEqual(data.AsSpan((int)before.Consumed));
        }));
    }

    [Fact]
    public void CopyTo_in_random_chunks_writes_exactly_the_flat_prefix_and_nothing_outside_the_segments()
    {
        PropCheck.Run(Prop.ForAll(IterGens.KernelArb(), c =>
        {
            var buf = c.Build();
            var rnd = new Random(c.Seed);
            var src = SegmentedBuffer.Pattern((int)buf.Total + rnd.Next(0, 100), c.Seed);
            var it = buf.NewIter(IterDirection.Dest);
            long copied = 0;
            while (copied < src.Length)
            {
                int chunk = Math.Min(rnd.Next(1, 5000), src.Length - (int)copied);
                long n = it.CopyTo(src.AsSpan((int)copied, chunk));
                if (n == 0) break;
                copied += n;
            }
            return copied == buf.Total && it.Count == 0
                && buf.Flatten().AsSpan().SequenceEqual(src.AsSpan(0, (int)buf.Total))
                && buf.GuardsIntact();
        }));
    }

    [Fact]
    public void CopyFrom_in_random_chunks_reads_the_flat_contents_in_order()
    {
        PropCheck.Run(Prop.ForAll(IterGens.KernelArb(), c =>
        {
            var buf = c.Build();
            var data = SegmentedBuffer.Pattern((int)buf.Total, c.Seed);
            buf.Fill(data);
            var rnd = new Random(c.Seed);
            var it = buf.NewIter(IterDirection.Source);
            var got = new byte[buf.Total];
            long at = 0;
            while (it.Count > 0)
                at += it.CopyFrom(got.AsSpan((int)at, Math.Min(rnd.Next(1, 5000), got.Length - (int)at)));
            return at == buf.Total && got.AsSpan().SequenceEqual(data);
        }));
    }

    [Fact]
    public void Zero_equals_copying_zeroes()
    {
        PropCheck.Run(Prop.ForAll(IterGens.KernelArb(), c =>
        {
            var zeroed = c.Build();
            var copied = c.Build();
            var data = SegmentedBuffer.Pattern((int)zeroed.Total, c.Seed);
            zeroed.Fill(data);
            copied.Fill(data);
            var rnd = new Random(c.Seed);
            long skip = rnd.NextInt64(zeroed.Total + 1);
            int n = rnd.Next(0, (int)zeroed.Total + 10);
            var a = zeroed.NewIter(IterDirection.Dest);
            var b = copied.NewIter(IterDirection.Dest);
            a.Advance(skip);
            b.Advance(skip);

            long za = a.Zero(n);
            long zb = b.CopyTo(new byte[n]);

            return za == zb && a.Count == b.Count
                && zeroed.Flatten().AsSpan().SequenceEqual(copied.Flatten()) && zeroed.GuardsIntact();
        }));
    }

    [Fact]
    public void Truncate_then_Reexpand_to_the_saved_count_less_the_work_done_continues_where_the_work_stopped()
    {
        PropCheck.Run(Prop.ForAll(IterGens.KernelArb(), c =>
        {
            var buf = c.Build();
            var data = SegmentedBuffer.Pattern((int)buf.Total, c.Seed);
            buf.Fill(data);
            var rnd = new Random(c.Seed);
            var it = buf.NewIter(IterDirection.Source);
            it.Advance(rnd.NextInt64(buf.Total + 1));
            long orig = it.Count, start = it.SaveState().Consumed;

            it.Truncate(rnd.NextInt64(orig + 1));
            long done = it.CopyFrom(new byte[rnd.Next(0, (int)orig + 1)]);
            bool bounded = it.Count == 0 || done < orig;
            it.Reexpand(orig - done);

            var rest = new byte[it.Count];
            it.CopyFrom(rest);
            return bounded && rest.Length == orig - done
                && rest.AsSpan().SequenceEqual(data.AsSpan((int)(start + done)));
        }));
    }

    [Fact]
    public void Random_operations_match_the_position_model()
    {
        PropCheck.Run(Prop.ForAll(IterGens.KernelArb(), c =>
        {
            var buf = c.Build();
            var data = SegmentedBuffer.Pattern((int)buf.Total, c.Seed);
            buf.Fill(data);
            var rnd = new Random(c.Seed);
            var it = buf.NewIter(IterDirection.Source);
            long pos = 0, count = buf.Total; // model: position in the flat bytes, bytes remaining
            for (int op = 0; op < 20; op++)
            {
                long k = rnd.NextInt64(0, 3000);
                switch (rnd.Next(5))
                {
                    case 0:
                        it.Advance(k);
                        k = Math.Min(k, count);
                        pos += k;
                        count -= k;
                        break;
                    case 1:
                        k = Math.Min(k, pos);
                        it.Revert(k);
                        pos -= k;
                        count += k;
                        break;
                    case 2:
                        var dst = new byte[k];
                        long n = it.CopyFrom(dst);
                        if (n != Math.Min(k, count) || !dst.AsSpan(0, (int)n).SequenceEqual(data.AsSpan((int)pos, (int)n)))
                            return false;
                        pos += n;
                        count -= n;
                        break;
                    case 3:
                        it.Truncate(k);
                        count = Math.Min(count, k);
                        break;
                    default:
                        k = Math.Min(k, buf.Total - pos);
                        it.Reexpand(k);
                        count = k;
                        break;
                }
                if (it.Count != count || it.SaveState().Consumed != pos || it.SingleSegCount() > count) return false;
            }
            return true;
        }));
    }

    [Fact]
    public void SingleSegCount_is_the_rest_of_the_segment_holding_the_position()
    {
        PropCheck.Run(Prop.ForAll(IterGens.KernelArb(allowEmptySegments: false), c =>
        {
            var buf = c.Build();
            var rnd = new Random(c.Seed);
            var it = buf.NewIter(IterDirection.Dest);
            long pos = rnd.NextInt64(buf.Total + 1);
            it.Advance(pos);
            it.Truncate(rnd.NextInt64(it.Count + 1));

            // Model: the segment holding flat position 'pos' (an exact end belongs to the next one).
            var lengths = c.Lengths;
            int seg = 0;
            long segStart = 0;
            while (seg < lengths.Length && pos >= segStart + lengths[seg]) segStart += lengths[seg++];
            long expected = lengths.Length - seg > 1 ? Math.Min(it.Count, segStart + lengths[seg] - pos) : it.Count;
            return it.SingleSegCount() == expected && it.NrSegs == lengths.Length - seg;
        }));
    }

    [Fact]
    public void Revert_of_more_than_was_consumed_throws_and_changes_nothing()
    {
        PropCheck.Run(Prop.ForAll(IterGens.KernelArb(), c =>
        {
            var buf = c.Build();
            var rnd = new Random(c.Seed);
            var it = buf.NewIter(IterDirection.Dest);
            it.Advance(rnd.NextInt64(buf.Total + 1));
            var before = it.SaveState();
            long tooMuch = before.Consumed + 1 + rnd.Next(0, 5000);
            try
            {
                it.Revert(tooMuch);
                return false;
            }
            catch (ArgumentException)
            {
                return it.SaveState() == before;
            }
        }));
    }

    [Fact]
    public void Discard_only_counts()
    {
        var arb = Arb.From(Gen.Zip(Gen.Choose(0, 100_000), Gen.ArrayOf(Gen.Choose(0, 20_000))));
        PropCheck.Run(Prop.ForAll(arb, t =>
        {
            var (total, ops) = t;
            var it = IovIter.CreateDiscard(total);
            var src = SegmentedBuffer.Pattern(20_000, total);
            var copy = (byte[])src.Clone();
            long count = total;
            for (int k = 0; k < ops.Length; k++)
            {
                long expected = Math.Min(ops[k], count);
                long got = (k % 3) switch
                {
                    0 => it.CopyTo(src.AsSpan(0, ops[k])),
                    1 => it.Zero(ops[k]),
                    _ => AdvanceBy(it, ops[k]),
                };
                if (got != expected) return false;
                count -= expected;
            }
            return it.Count == count && it.CopyFrom(new byte[10]) == 0 && src.AsSpan().SequenceEqual(copy);
        }));
    }

    [Fact]
    public void GetPages_of_a_bvec_gives_the_page_under_the_position_and_never_crosses_a_piece()
    {
        var arb = IterGens.KernelArb(allowEmptySegments: true);
        PropCheck.Run(Prop.ForAll(arb, c =>
        {
            var buf = SegmentedBuffer.Bvec(c.Lengths.Select(l => Math.Min(l, Page.Size)).ToArray(), c.Offsets);
            var rnd = new Random(c.Seed);
            var it = buf.NewIter(IterDirection.Dest);
            it.Advance(rnd.NextInt64(buf.Total + 1));
            long consumed = it.SaveState().Consumed, count = it.Count;
            long maxSize = rnd.NextInt64(0, 6000);
            var pages = new Page[1];

            long got = it.GetPages(pages, maxSize, 1, out int start);
            it.ReleasePages(pages.AsSpan(0, IovIter.PagesSpanned(start, got)));

            if (got < 0) return false;
            if (got == 0) return it.Count == count && (count == 0 || maxSize == 0);
            // Model: the first non-empty piece at or after the position.
            int seg = 0;
            long segStart = 0;
            while (consumed >= segStart + buf.Bvecs[seg].Length) segStart += buf.Bvecs[seg++].Length;
            var b = buf.Bvecs[seg];
            long inPiece = consumed - segStart;
            return ReferenceEquals(pages[0], b.Page) && start == b.Offset + inPiece
                && got == Math.Min(Math.Min(maxSize, count), b.Length - inPiece)
                && it.Count == count - got;
        }));
    }

    private static long AdvanceBy(IovIter it, long n)
    {
        long before = it.Count;
        it.Advance(n);
        return before - it.Count;
    }
}
