namespace ClusterFs.Fuse;

/// <summary>Filesystem statistics (<c>struct statvfs</c>); block counts are in FragmentSize units.</summary>
public struct FuseStatFs
{
    public ulong BlockSize { get; set; }
    public ulong FragmentSize { get; set; }
    public ulong Blocks { get; set; }
    public ulong BlocksFree { get; set; }
    public ulong BlocksAvailable { get; set; }
    public ulong Files { get; set; }
    public ulong FilesFree { get; set; }
    public ulong FilesAvailable { get; set; }
    public ulong FsId { get; set; }
    public ulong NameMax { get; set; }
}
