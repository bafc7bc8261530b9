namespace ClusterFs.XfsTests.Fsx;

/// <summary>fsx's operations, in fsx's order: the first four are the "lite" set (no size change).</summary>
public enum FsxOp
{
    Read,
    Write,
    MapRead,
    MapWrite,
    Truncate,
    Fallocate,
    PunchHole,
    ZeroRange,
    /// <summary>Not chosen at random: a close and reopen (-c).</summary>
    CloseOpen,
}
