using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Iter;

public class ImportTests
{
    [Fact]
    public void A_single_segment_is_imported_as_a_ubuf()
    {
        using var mm = new AddressSpace();

        long total = IovIter.ImportIovec(IterDirection.Dest, mm, [new(0x10000, 300)], out var it);

        Assert.Equal(300, total);
        Assert.Equal(IterKind.Ubuf, it!.Kind);
        Assert.True(it.IsUserBacked);
    }

    [Fact]
    public void Several_segments_are_imported_as_an_iovec_and_zero_segments_as_an_empty_one()
    {
        using var mm = new AddressSpace();

        Assert.Equal(30, IovIter.ImportIovec(IterDirection.Source, mm, [new(0x10000, 10), new(0x20000, 20)], out var it));
        Assert.Equal(IterKind.Iovec, it!.Kind);
        Assert.Equal(2, it.NrSegs);

        Assert.Equal(0, IovIter.ImportIovec(IterDirection.Source, mm, [], out var empty));
        Assert.Equal(0, empty!.Count);
    }

    [Fact]
    public void More_than_UIO_MAXIOV_segments_is_EINVAL()
    {
        using var mm = new AddressSpace();
        var vec = Enumerable.Repeat(new Iovec(0x10000, 1), IovIter.UioMaxIov + 1).ToArray();

        Assert.Equal(Errno.EINVAL.Negative, IovIter.ImportIovec(IterDirection.Dest, mm, vec, out var it));
        Assert.Null(it);
        Assert.Equal(IovIter.UioMaxIov, IovIter.ImportIovec(IterDirection.Dest, mm, vec[..IovIter.UioMaxIov], out _));
    }

    [Fact]
    public void A_negative_length_is_EINVAL_even_after_a_bad_address()
    {
        using var mm = new AddressSpace();

        Assert.Equal(Errno.EINVAL.Negative, IovIter.ImportIovec(IterDirection.Dest, mm, [new(ulong.MaxValue, 1), new(0, -1)], out _));
        Assert.Equal(Errno.EINVAL.Negative, IovIter.ImportIovec(IterDirection.Dest, mm, [new(0x10000, -1)], out _));
        Assert.Equal(Errno.EINVAL.Negative, IovIter.ImportUbuf(IterDirection.Dest, mm, 0x10000, -5, out _));
    }

    [Fact]
    public void A_segment_beyond_user_addresses_is_EFAULT()
    {
        using var mm = new AddressSpace();

        Assert.Equal(Errno.EFAULT.Negative,
            IovIter.ImportIovec(IterDirection.Dest, mm, [new(0x10000, 1), new(AddressSpace.TaskSize - 10, 11)], out var it));
        Assert.Null(it);
        Assert.Equal(Errno.EFAULT.Negative, IovIter.ImportUbuf(IterDirection.Dest, mm, ulong.MaxValue - 3, 10, out _));
        Assert.Equal(0, IovIter.ImportUbuf(IterDirection.Dest, mm, AddressSpace.TaskSize - 10, 10, out _));
    }

    [Fact]
    public void The_total_is_clamped_to_MAX_RW_COUNT_by_trimming_segments()
    {
        using var mm = new AddressSpace();
        long big = IovIter.MaxRwCount - 100;

        long total = IovIter.ImportIovec(IterDirection.Dest, mm, [new(0x10000, big), new(0x10000, 1000), new(0x10000, 5)], out var it);

        Assert.Equal(IovIter.MaxRwCount, total);
        Assert.Equal(IovIter.MaxRwCount, it!.Count);
        it.Advance(big);
        Assert.Equal(100, it.SingleSegCount());
        Assert.Equal(0x7FFFF000, IovIter.MaxRwCount);

        Assert.Equal(0, IovIter.ImportUbuf(IterDirection.Source, mm, 0x10000, long.MaxValue - 10, out var ubuf));
        Assert.Equal(IovIter.MaxRwCount, ubuf!.Count);
    }
}
