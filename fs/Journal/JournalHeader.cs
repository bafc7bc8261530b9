namespace ClusterFs.Fs.Journal;

/// <summary>
/// Decoded journal header (one of the two header slots). Replay starts scanning the log at
/// <see cref="TailPosition"/>, expecting sequence <see cref="TailSequence"/> there. The slot with the higher
/// <see cref="Generation"/> wins, so a torn header write leaves the previous header in force.
/// </summary>
internal readonly record struct JournalHeader(
    ulong JournalId,
    uint Version,
    int BlockSize,
    long LogBlocks,
    long StartOffset,
    long TailPosition,
    ulong TailSequence,
    ulong Generation);
