using ClusterFs.Fs.Storage;

namespace ClusterFs.Fs.Journal;

/// <summary>
/// Where one node's journal lives: a contiguous extent of the shared device, owned entirely by the journal
/// (its two header blocks included). mkfs reserves it and records it in the superblock.
/// Journal block <c>i</c> is at byte <c>StartOffset + i * BlockSize</c>; blocks 0 and 1 are the header slots,
/// the rest is the circular log.
/// </summary>
/// <param name="StartOffset">Byte offset of the extent on the device (sector-aligned).</param>
/// <param name="LengthBlocks">Length of the extent in blocks of <paramref name="BlockSize"/>.</param>
/// <param name="BlockSize">The filesystem block size: journal blocks and logged images have this size.</param>
public readonly record struct JournalLocation(long StartOffset, long LengthBlocks, int BlockSize)
{
    /// <summary>Header slots at the start of the extent.</summary>
    public const int HeaderSlots = 2;

    /// <summary>Smallest useful extent: the header slots plus a log holding one one-block transaction
    /// (descriptor, image, commit) and the block that keeps head and tail apart.</summary>
    public const long MinimumLengthBlocks = HeaderSlots + 4;

    /// <summary>The location of a journal recorded as a run of filesystem blocks (block <c>b</c> at byte
    /// <c>b * blockSize</c>), as the superblock lists journals.</summary>
    public static JournalLocation FromBlocks(long firstBlock, long blockCount, int blockSize) =>
        new(firstBlock * blockSize, blockCount, blockSize);

    /// <summary>Number of blocks in the circular log.</summary>
    public long LogBlocks => LengthBlocks - HeaderSlots;

    /// <summary>Byte offset of header slot <paramref name="slot"/> (0 or 1).</summary>
    public long HeaderOffset(int slot) => StartOffset + (long)slot * BlockSize;

    /// <summary>Byte offset of log position <paramref name="position"/> (taken modulo the log length).</summary>
    public long LogOffset(long position) => StartOffset + (HeaderSlots + position % LogBlocks) * BlockSize;

    /// <summary>True when filesystem block <paramref name="block"/> lies inside this extent.</summary>
    public bool Contains(long block)
    {
        long offset = block * BlockSize;
        return offset + BlockSize > StartOffset && offset < StartOffset + LengthBlocks * BlockSize;
    }

    /// <summary>Checks the extent against <paramref name="device"/>: returns null when usable, otherwise a
    /// one-line description of the problem.</summary>
    public string? Validate(IBlockDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (BlockSize < 512 || (BlockSize & (BlockSize - 1)) != 0 || BlockSize % device.SectorSize != 0)
            return $"journal block size {BlockSize} is not a power of two >= 512 and a multiple of the sector size {device.SectorSize}";
        if (StartOffset < 0 || StartOffset % device.SectorSize != 0)
            return $"journal start offset {StartOffset} is not sector-aligned";
        if (LengthBlocks < MinimumLengthBlocks)
            return $"journal length {LengthBlocks} blocks is below the minimum of {MinimumLengthBlocks}";
        if (StartOffset + LengthBlocks * BlockSize > device.Size)
            return $"journal extent [{StartOffset}, +{LengthBlocks * BlockSize}) ends beyond the device size {device.Size}";
        return null;
    }
}
