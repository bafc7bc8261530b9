namespace ClusterFs.Fs.Iomap;

/// <summary>What the caller of <see cref="IIomapOps.Begin"/> is doing (IOMAP_WRITE, IOMAP_DIRECT, ...).</summary>
[Flags]
public enum IomapIterFlags : ushort
{
    None = 0,
    Write = 1 << 0,
    Zero = 1 << 1,
    Report = 1 << 2,
    Fault = 1 << 3,
    Direct = 1 << 4,
    NoWait = 1 << 5,
    /// <summary>Only pure overwrites of written blocks are acceptable: Begin returns EAGAIN otherwise.</summary>
    OverwriteOnly = 1 << 6,
}
