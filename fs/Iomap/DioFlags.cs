namespace ClusterFs.Fs.Iomap;

/// <summary>IOMAP_DIO_* flags of <see cref="IomapDio.Rw"/>.</summary>
[Flags]
public enum DioFlags : byte
{
    None = 0,
    /// <summary>IOMAP_DIO_PARTIAL: an EFAULT after some bytes were submitted returns those bytes (and waits
    /// for them) instead of failing the whole call.</summary>
    Partial = 1 << 0,
    /// <summary>IOMAP_DIO_FORCE_WAIT: complete synchronously even for an asynchronous kiocb.</summary>
    ForceWait = 1 << 1,
    /// <summary>IOMAP_DIO_OVERWRITE_ONLY: a write that is not a pure overwrite of written blocks fails
    /// with EAGAIN before any I/O.</summary>
    OverwriteOnly = 1 << 2,
}
