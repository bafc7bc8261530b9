using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov;

/// <summary>
/// fault_in_iov_iter_readable / fault_in_iov_iter_writeable (lib/iov_iter.c): fault in the user memory
/// under the next bytes of an iterator, segment by segment, stopping at the first segment that is not
/// faulted in completely. Both return the number of bytes NOT faulted in (0 = all of it), never advance
/// the iterator, and return 0 for iterators that are not user-backed. Asking for more than
/// <see cref="IovIter.Count"/> on a user iterator reports the excess as not faulted in.
/// </summary>
public static class FaultInIter
{
    /// <summary>Read-faults the next <paramref name="size"/> bytes of <paramref name="iter"/> with
    /// <see cref="FaultIn.Readable"/> (page granular: the first byte, then the first byte of each page).</summary>
    /// <exception cref="ArgumentException"><paramref name="size"/> is negative.</exception>
    public static long FaultInIovIterReadable(IovIter iter, long size)
    {
        ArgumentNullException.ThrowIfNull(iter);
        var step = new ReadableStep();
        return iter.FaultInWalk(size, ref step);
    }

    /// <summary>Write-faults the next <paramref name="size"/> bytes of <paramref name="iter"/> with
    /// <see cref="FaultIn.SafeWriteable"/>: a real, non-destructive write fault per page that breaks
    /// copy-on-write (so it replaces a zero-page PTE, which a later write GUP needs).</summary>
    /// <exception cref="ArgumentException"><paramref name="size"/> is negative.</exception>
    public static long FaultInIovIterWriteable(IovIter iter, long size)
    {
        ArgumentNullException.ThrowIfNull(iter);
        var step = new WriteableStep();
        return iter.FaultInWalk(size, ref step);
    }

    // Only user pieces reach these steps: FaultInWalk returns before walking any other kind.
    private struct ReadableStep : IIterStep
    {
        public readonly long User(AddressSpace mm, ulong addr, long len, long progress) => FaultIn.Readable(mm, addr, len);
        public readonly long Kernel(Span<byte> piece, long progress) => 0;
        public readonly long InPage(Page page, int offset, int len, long progress) => 0;
    }

    private struct WriteableStep : IIterStep
    {
        public readonly long User(AddressSpace mm, ulong addr, long len, long progress) => FaultIn.SafeWriteable(mm, addr, len);
        public readonly long Kernel(Span<byte> piece, long progress) => 0;
        public readonly long InPage(Page page, int offset, int len, long progress) => 0;
    }
}
