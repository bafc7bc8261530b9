using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov;

/// <summary>
/// A step function of <see cref="IovIter"/>'s one iteration routine (the kernel's
/// <c>iterate_and_advance2</c> ustep/step pair). The routine hands each piece of a segment to one of
/// these members; each returns the bytes it did NOT process (0 = all of it, at most the piece's length).
/// A short step ends the walk, and the iterator advances by exactly the bytes processed.
/// Implemented by (ref) structs so the JIT specialises the walk per operation with no allocation.
/// </summary>
internal interface IIterStep
{
    /// <summary>A piece of user memory: <paramref name="len"/> bytes at <paramref name="addr"/> in
    /// <paramref name="mm"/>; <paramref name="progress"/> is the bytes processed so far in this walk.</summary>
    long User(AddressSpace mm, ulong addr, long len, long progress);

    /// <summary>A piece of process memory (KVEC).</summary>
    long Kernel(Span<byte> piece, long progress);

    /// <summary>A piece of a page (BVEC): <paramref name="len"/> bytes at <paramref name="offset"/>.</summary>
    long InPage(Page page, int offset, int len, long progress);
}
