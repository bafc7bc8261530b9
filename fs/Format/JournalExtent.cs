namespace ClusterFs.Fs.Format;

/// <summary>Where one node's journal lives: a contiguous run of blocks recorded in the superblock.</summary>
public readonly record struct JournalExtent(long FirstBlock, long BlockCount);
