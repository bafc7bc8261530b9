namespace ClusterFs.Fuse;

/// <summary>
/// Inode attributes as the kernel sees them (<c>struct stat</c>). Mode carries the file type bits
/// (S_IFREG, S_IFDIR, ...) and the permission bits. Blocks is in 512-byte units.
/// </summary>
public struct FuseAttr
{
    public ulong Ino { get; set; }
    public uint Mode { get; set; }
    public ulong Nlink { get; set; }
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public ulong Rdev { get; set; }
    public long Size { get; set; }
    public long Blocks { get; set; }
    public int BlockSize { get; set; }
    public FuseTime Atime { get; set; }
    public FuseTime Mtime { get; set; }
    public FuseTime Ctime { get; set; }
}
