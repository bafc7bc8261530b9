namespace ClusterFs.Fs.Vfs;

/// <summary>IOCB_* flags of a kiocb.</summary>
[Flags]
public enum KiocbFlags : uint
{
    None = 0,
    Direct = 1 << 0,
    Append = 1 << 1,
    Dsync = 1 << 2,
    Sync = 1 << 3,
    /// <summary>Do not block (EAGAIN instead).</summary>
    NoWait = 1 << 4,
    /// <summary>Do not start any read I/O: serve cached, uptodate pages only (EAGAIN otherwise).</summary>
    NoIo = 1 << 5,
}
