using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Iter;

public class DiscardIterTests
{
    [Fact]
    public void A_discard_iterator_is_a_destination_with_no_segments()
    {
        var it = IovIter.CreateDiscard(100);

        Assert.Equal(IterKind.Discard, it.Kind);
        Assert.Equal(IterDirection.Dest, it.Direction);
        Assert.Equal(0, it.NrSegs);
        Assert.False(it.IsUserBacked);
        Assert.Throws<ArgumentException>(() => IovIter.CreateDiscard(-1));
    }

    [Fact]
    public void Copies_and_zero_only_count()
    {
        var it = IovIter.CreateDiscard(100);
        var src = SegmentedBuffer.Pattern(30, 10);

        Assert.Equal(30, it.CopyTo(src));
        Assert.Equal(20, it.Zero(20));
        Assert.Equal(50, it.CopyTo(new byte[80]));
        Assert.Equal(0, it.Count);
        Assert.Equal(0, it.CopyFrom(new byte[10]));
        Assert.Equal(SegmentedBuffer.Pattern(30, 10), src);
    }

    [Fact]
    public void Revert_restores_the_count_but_never_past_the_start()
    {
        var it = IovIter.CreateDiscard(100);
        it.Advance(40);

        it.Revert(15);
        Assert.Equal(75, it.Count);
        Assert.Throws<ArgumentException>(() => it.Revert(26));
        Assert.Equal(75, it.Count);
    }

    [Fact]
    public void SingleSegCount_is_the_count()
    {
        var it = IovIter.CreateDiscard(100);
        it.Advance(1);
        Assert.Equal(99, it.SingleSegCount());
    }

    [Fact]
    public void GetPages_is_EFAULT_and_fault_in_succeeds()
    {
        var it = IovIter.CreateDiscard(100);

        Assert.Equal(Errno.EFAULT.Negative, it.GetPages(new Page[2], 100, 2, out _));
        Assert.Equal(0, FaultInIter.FaultInIovIterReadable(it, 500));
        Assert.Equal(100, it.Count);
    }
}
