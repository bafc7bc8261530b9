namespace ClusterFs.Iov;

/// <summary>
/// One user buffer of an IOVEC iterator: <paramref name="Base"/> is a user address in the iterator's
/// address space, <paramref name="Length"/> its length in bytes (the kernel's <c>struct iovec</c>).
/// A negative length is the image of a size_t above SSIZE_MAX: the import helpers answer EINVAL and
/// the iterator factories throw.
/// </summary>
public readonly record struct Iovec(ulong Base, long Length);
