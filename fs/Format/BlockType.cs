namespace ClusterFs.Fs.Format;

/// <summary>The type field of the common metadata header (docs/ondisk-format.md).</summary>
public enum BlockType : ushort
{
    None = 0,
    Superblock = 1,
    ResourceIndex = 2,
    RgrpHeader = 3,
    Bitmap = 4,
    Dinode = 5,
    Indirect = 6,
    DirTable = 7,
    DirLeaf = 8,
    Xattr = 9,
    JournalHeader = 10,
}
