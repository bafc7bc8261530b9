namespace ClusterFs.Fs.Format;

/// <summary>A snapshot of a dinode's attributes (what stat reports). <see cref="Ino"/> is the dinode block number.</summary>
public sealed record InodeAttr(
    long Ino, uint Mode, uint Uid, uint Gid, uint Nlink, long Size, long Blocks,
    Timestamp Atime, Timestamp Mtime, Timestamp Ctime, long Generation, uint Flags, int Height, long Parent);
