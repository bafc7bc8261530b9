namespace ClusterFs.Fs.Format;

/// <summary>The S_IFMT file type bits of a mode and the matching readdir d_type values (Linux values).</summary>
public static class FileTypeBits
{
    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFBLK = 0x6000,
        S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;

    public static bool IsDir(uint mode) => (mode & S_IFMT) == S_IFDIR;
    public static bool IsReg(uint mode) => (mode & S_IFMT) == S_IFREG;
    public static bool IsLink(uint mode) => (mode & S_IFMT) == S_IFLNK;

    /// <summary>True for a type this filesystem stores (regular, directory, symlink, device, fifo, socket).</summary>
    public static bool IsKnown(uint mode) => (mode & S_IFMT) is S_IFSOCK or S_IFLNK or S_IFREG or S_IFBLK or S_IFDIR or S_IFCHR or S_IFIFO;

    /// <summary>d_type for a mode (DT_* = S_IFMT >> 12).</summary>
    public static byte DType(uint mode) => (byte)((mode & S_IFMT) >> 12);
}
