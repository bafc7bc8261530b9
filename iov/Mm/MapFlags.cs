namespace ClusterFs.Iov.Mm;

/// <summary>mmap flags (MAP_*). Exactly one of <see cref="Shared"/> and <see cref="Private"/> is required.</summary>
[Flags]
public enum MapFlags
{
    None = 0,
    Shared = 1,
    Private = 2,
    /// <summary>Map exactly at the given address, replacing whatever was mapped there.</summary>
    Fixed = 0x10,
    /// <summary>Map exactly at the given address, failing with EEXIST if anything is mapped there.</summary>
    FixedNoReplace = 0x100000,
}
