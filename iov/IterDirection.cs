namespace ClusterFs.Iov;

/// <summary>
/// Which way data flows through an <see cref="IovIter"/> (the kernel's <c>data_source</c>; the values
/// match READ = 0 and WRITE = 1).
/// </summary>
public enum IterDirection : byte
{
    /// <summary>ITER_DEST: data is copied into the iterator (a read(2) into the caller's buffer).</summary>
    Dest = 0,
    /// <summary>ITER_SOURCE: data is copied out of the iterator (a write(2) from the caller's buffer).</summary>
    Source = 1,
}
