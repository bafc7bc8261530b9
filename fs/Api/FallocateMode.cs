namespace ClusterFs.Fs.Api;

/// <summary>fallocate(2) mode bits (Linux values).</summary>
[Flags]
public enum FallocateMode
{
    /// <summary>Allocate (unwritten, reads as zeroes) and extend the size.</summary>
    Allocate = 0,
    KeepSize = 1,
    /// <summary>Free the range (must be combined with <see cref="KeepSize"/>).</summary>
    PunchHole = 2,
}
