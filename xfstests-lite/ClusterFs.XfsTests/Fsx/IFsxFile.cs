namespace ClusterFs.XfsTests.Fsx;

/// <summary>
/// The file fsx exercises. Every member returns a byte count or 0 on success, or -errno, never
/// throws for an I/O error. <see cref="PosixFsxFile"/> is a real file; tests substitute doubles
/// (e.g. one that corrupts a read) to prove fsx notices.
/// </summary>
public interface IFsxFile : IDisposable
{
    /// <summary>Reads <paramref name="dest"/>.Length bytes at <paramref name="offset"/>: bytes read or -errno.</summary>
    long Read(long offset, Span<byte> dest);

    /// <summary>Writes <paramref name="src"/> at <paramref name="offset"/>: bytes written or -errno.</summary>
    long Write(long offset, ReadOnlySpan<byte> src);

    /// <summary>Reads through a shared mapping of the range: bytes read or -errno.</summary>
    long MapRead(long offset, Span<byte> dest);

    /// <summary>Writes through a shared mapping and msyncs it; the range must lie within the file.</summary>
    long MapWrite(long offset, ReadOnlySpan<byte> src);

    /// <summary>ftruncate: 0 or -errno.</summary>
    long Truncate(long size);

    /// <summary>fallocate with FALLOC_FL_* <paramref name="mode"/>: 0 or -errno (EOPNOTSUPP if unsupported).</summary>
    long Fallocate(int mode, long offset, long length);

    /// <summary>The file's size as the filesystem reports it, or -errno.</summary>
    long Size();

    /// <summary>Closes and reopens the file (dropping per-open state): 0 or -errno.</summary>
    long CloseOpen();
}
