namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// What a target can do. A test declares the features it needs; the harness reports it notrun
/// (with <see cref="TargetFeaturesText.WhyMissing"/>) on a target that lacks one.
/// </summary>
[Flags]
public enum TargetFeatures
{
    None = 0,
    /// <summary>The target is a directory tree reachable by ordinary system calls.</summary>
    Paths = 1,
    /// <summary>Files can be opened with O_DIRECT and read/written with aligned buffers.</summary>
    DirectIo = 2,
    /// <summary>Files can be mapped shared (mmap MAP_SHARED) and written through the mapping.</summary>
    Mmap = 4,
    /// <summary>Asynchronous I/O (emulated by concurrent positional I/O; see README).</summary>
    Aio = 8,
    /// <summary>fallocate(2) mode 0 works.</summary>
    Fallocate = 16,
    /// <summary>fallocate(2) FALLOC_FL_PUNCH_HOLE works.</summary>
    PunchHole = 32,
    /// <summary>The in-process ClusterFs API with the user-memory model (AddressSpace, VMAs, faults).</summary>
    InProcess = 64,
}
