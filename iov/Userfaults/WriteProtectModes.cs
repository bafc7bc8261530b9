namespace ClusterFs.Iov.Userfaults;

/// <summary>UFFDIO_WRITEPROTECT_MODE_*.</summary>
[Flags]
public enum WriteProtectModes
{
    /// <summary>Without <see cref="WriteProtect"/>: remove the protection (and wake the range's waiters).</summary>
    None = 0,
    /// <summary>Protect the range (never wakes anything).</summary>
    WriteProtect = 1,
    /// <summary>Unprotect without waking (invalid together with <see cref="WriteProtect"/>).</summary>
    DontWake = 2,
}
