namespace ClusterFs.Fs.Format;

/// <summary>What <see cref="Mkfs"/> lays down. Sizes in bytes; each is rounded down to whole blocks.</summary>
public sealed record MkfsOptions
{
    public int BlockSize { get; init; } = Superblock.DefaultBlockSize;
    public int Journals { get; init; } = 1;
    public long JournalBytes { get; init; } = 32L << 20;
    /// <summary>Target size of a resource group (header + bitmaps + data); the last one takes what is left.</summary>
    public long RgrpBytes { get; init; } = 256L << 20;
    public string LockProtocol { get; init; } = "lock_nolock";
    public string LockTable { get; init; } = "clusterfs:fs";
    public Guid Uuid { get; init; } = Guid.NewGuid();
}
