using ClusterFs.Fs.Inodes;

namespace ClusterFs.Fs.Api;

/// <summary>An open file description (struct file): the inode, the open flags and the file position.</summary>
public sealed class OpenFile
{
    internal OpenFile(Inode inode, OpenFlags flags)
    {
        Inode = inode;
        Flags = flags;
    }

    public Inode Inode { get; }

    public OpenFlags Flags { get; }

    /// <summary>f_pos; guarded by <see cref="PositionLock"/> for read/write/lseek (f_pos_lock).</summary>
    public long Position { get; internal set; }

    internal object PositionLock { get; } = new();

    public bool CanRead => (Flags & OpenFlags.AccessModeMask) != OpenFlags.WriteOnly;

    public bool CanWrite => (Flags & OpenFlags.AccessModeMask) != OpenFlags.ReadOnly;
}
