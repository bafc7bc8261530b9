namespace ClusterFs.Fuse;

/// <summary>
/// What open, opendir and create answer: the file handle the kernel will pass back on every request
/// for this open file, and the per-open flags. The dispatcher seeds <see cref="Flags"/> with
/// <see cref="FuseOpenFlags.DirectIo"/> when the open flags contain O_DIRECT; the filesystem may keep
/// or change it.
/// </summary>
public struct FuseOpenReply
{
    public ulong Handle { get; set; }
    public FuseOpenFlags Flags { get; set; }
}
