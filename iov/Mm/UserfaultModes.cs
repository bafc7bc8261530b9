namespace ClusterFs.Iov.Mm;

/// <summary>UFFDIO_REGISTER_MODE_*: which faults of a registered range go to the userfault context.</summary>
[Flags]
public enum UserfaultModes
{
    None = 0,
    /// <summary>Faults on pages that are not populated.</summary>
    Missing = 1,
    /// <summary>Writes to write-protected pages.</summary>
    WriteProtect = 2,
    /// <summary>Minor faults (page in the cache, not mapped). Not supported by this model.</summary>
    Minor = 4,
}
