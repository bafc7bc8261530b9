namespace ClusterFs.Fs.Iomap;

/// <summary>Flags a filesystem sets on a mapping (IOMAP_F_*).</summary>
[Flags]
public enum IomapFlags : ushort
{
    None = 0,
    /// <summary>The blocks were allocated by this Begin call (a sub-block DIO write must zero around it).</summary>
    New = 1 << 0,
    /// <summary>The inode has metadata changes not yet committed that the I/O depends on.</summary>
    Dirty = 1 << 1,
    /// <summary>The mapping became stale (a racing truncate/punch): the caller must remap.</summary>
    Stale = 1 << 2,
    /// <summary>The size will change (an extending write).</summary>
    SizeChanged = 1 << 3,
}
