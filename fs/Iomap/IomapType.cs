namespace ClusterFs.Fs.Iomap;

/// <summary>What a mapping returned by <see cref="IIomapOps.Begin"/> describes (IOMAP_*).</summary>
public enum IomapType : byte
{
    /// <summary>No blocks: reads see zeroes.</summary>
    Hole,
    /// <summary>Blocks reserved in the page cache, not yet allocated (a DIO read of it is -EIO).</summary>
    Delalloc,
    /// <summary>Allocated, written blocks at <see cref="IomapMapping.DeviceOffset"/>.</summary>
    Mapped,
    /// <summary>Allocated but never written (preallocated): reads see zeroes, writes convert at end_io.</summary>
    Unwritten,
    /// <summary>Data stored inside the metadata (a stuffed dinode): copied through <see cref="IomapMapping.InlineData"/>.</summary>
    Inline,
}
