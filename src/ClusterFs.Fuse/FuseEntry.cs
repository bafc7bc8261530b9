namespace ClusterFs.Fuse;

/// <summary>
/// A directory entry answer (<c>fuse_entry_param</c>): the inode number and generation (the pair must
/// be unique over the filesystem's lifetime if it is exported), its attributes, and how long the
/// kernel may cache the attributes and the name, in seconds. Every successful reply carrying an
/// entry increments the inode's lookup count by one; the kernel pays it back with forget.
/// </summary>
public struct FuseEntry
{
    public ulong Ino { get; set; }
    public ulong Generation { get; set; }
    public FuseAttr Attr { get; set; }
    public double AttrTimeout { get; set; }
    public double EntryTimeout { get; set; }
}
