namespace ClusterFs.Iov;

/// <summary>The kind of memory an <see cref="IovIter"/> walks (the kernel's ITER_* types).</summary>
public enum IterKind : byte
{
    /// <summary>One user buffer in an <see cref="Mm.AddressSpace"/> (read(2)/write(2), single-segment readv/writev). May fault.</summary>
    Ubuf,
    /// <summary>An array of user buffers (<see cref="Iovec"/>) in one address space. May fault.</summary>
    Iovec,
    /// <summary>Process memory given as <see cref="Memory{T}"/> segments (FUSE request buffers). Never faults.</summary>
    Kvec,
    /// <summary>(page, offset, length) triples (<see cref="Bvec"/>): page-cache or device pages. Never faults.</summary>
    Bvec,
    /// <summary>Counts bytes and moves no data; a destination only.</summary>
    Discard,
}
