using ClusterFs.Fs.Journal;

namespace ClusterFs.Fs.Format;

/// <summary>Where one node's journal lives: a contiguous run of blocks recorded in the superblock.</summary>
public readonly record struct JournalExtent(long FirstBlock, long BlockCount)
{
    /// <summary>The same extent as the journal code addresses it (bytes, with the filesystem block size).</summary>
    public JournalLocation ToLocation(int blockSize) => JournalLocation.FromBlocks(FirstBlock, BlockCount, blockSize);
}
