using ClusterFs.Iov;

namespace ClusterFs.Fs.Inodes;

// Open-file lifetime: an unlinked file stays allocated, with its cache, while an open file description on any node
// refers to it, and is freed by the last close, as POSIX requires. Each open pins the inode (its iopen glock SH).
public sealed partial class Inode
{
    /// <summary>True while some user on this node (an open file description, a kernel reference) pins the inode.</summary>
    public bool IsOpen => Iopen.IsPinned;

    /// <summary>Counts a new open file description (pins the inode; EIO after a withdraw, nothing counted).</summary>
    public Errno OpenRef() => Iopen.Pin();

    /// <summary>Drops an open file description. When it was the last use on this node and the inode lost its last
    /// link, the inode is freed unless another node still uses it (then that node's last close frees it).</summary>
    public Errno OpenUnref() => Iopen.Unpin() ? Node.TryEvictUnlinked(Ino) : Errno.OK;
}
