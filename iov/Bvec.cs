using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov;

/// <summary>
/// One (page, offset, length) segment of a BVEC iterator (the kernel's <c>struct bio_vec</c>).
/// A segment lies inside its page: <c>0 &lt;= Offset</c>, <c>0 &lt;= Length</c>,
/// <c>Offset + Length &lt;= Page.Size</c> (checked when the iterator is built).
/// </summary>
public readonly record struct Bvec(Page Page, int Offset, int Length);
