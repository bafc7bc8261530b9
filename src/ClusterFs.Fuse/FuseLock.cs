namespace ClusterFs.Fuse;

/// <summary>
/// A POSIX record lock (<c>struct flock</c>): <see cref="Type"/> is F_RDLCK (0), F_WRLCK (1) or
/// F_UNLCK (2); the range is [Start, Start+Length), Length 0 meaning "to the end of the file".
/// </summary>
public struct FuseLock
{
    public const short ReadLock = 0;
    public const short WriteLock = 1;
    public const short Unlock = 2;

    public short Type { get; set; }
    public long Start { get; set; }
    public long Length { get; set; }
    public int Pid { get; set; }
}
