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

    /// <summary>The open file's inode.</summary>
    public Inode Inode { get; }

    /// <summary>The flags given to open.</summary>
    public OpenFlags Flags { get; }

    /// <summary>f_pos; guarded by <see cref="PositionLock"/> for read/write/lseek (f_pos_lock).</summary>
    public long Position { get; internal set; }

    internal object PositionLock { get; } = new();

    /// <summary>Opened for reading (O_RDONLY or O_RDWR).</summary>
    public bool CanRead => (Flags & OpenFlags.AccessModeMask) != OpenFlags.WriteOnly;

    /// <summary>Opened for writing (O_WRONLY or O_RDWR).</summary>
    public bool CanWrite => (Flags & OpenFlags.AccessModeMask) != OpenFlags.ReadOnly;
}
