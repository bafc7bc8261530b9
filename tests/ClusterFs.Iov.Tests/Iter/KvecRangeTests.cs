using ClusterFs.Iov;

namespace ClusterFs.Iov.Tests.Iter;

public class KvecRangeTests
{
    [Fact]
    public void TryGetKvecRange_returns_the_next_bytes_of_the_current_segment_without_advancing()
    {
        var a = new byte[100];
        var b = new byte[50];
        var it = IovIter.CreateKvec(IterDirection.Dest, [a.AsMemory(), b.AsMemory()]);
        it.Advance(10);

        Assert.True(it.TryGetKvecRange(90, out var m));
        m.Span.Fill(7);
        Assert.Equal(140, it.Count); // not advanced
        Assert.All(a[10..], x => Assert.Equal(7, x));
        Assert.All(a[..10], x => Assert.Equal(0, x));

        it.Advance(90); // now at the start of the second segment
        Assert.True(it.TryGetKvecRange(50, out m));
        Assert.Equal(50, m.Length);
        m.Span.Fill(9);
        Assert.All(b, x => Assert.Equal(9, x));
    }

    [Fact]
    public void TryGetKvecRange_refuses_bytes_across_segments_beyond_the_count_or_of_another_kind()
    {
        var it = IovIter.CreateKvec(IterDirection.Source, [new byte[100].AsMemory(), new byte[50].AsMemory()]);
        Assert.False(it.TryGetKvecRange(101, out var m)); // spans both segments
        Assert.True(m.IsEmpty);
        Assert.False(it.TryGetKvecRange(0, out _));

        it.Truncate(40);
        Assert.False(it.TryGetKvecRange(41, out _)); // past the truncated count
        Assert.True(it.TryGetKvecRange(40, out _));

        Assert.False(IovIter.CreateDiscard(4096).TryGetKvecRange(4096, out _));
    }
}
