using System.Collections.Concurrent;
using System.Text;
using ClusterFs.Fuse;
using ClusterFs.Iov;

namespace ClusterFs.Cli.Mount;

// The control file /.clusterfs-glocks: a hidden, read-only file at the mount root whose content is this node's glock
// dump as of its open (`clusterfs glocks MOUNTPOINT` reads it). Not listed by readdir.
public sealed partial class ClusterFsFuse
{
    /// <summary>The control file's name in the root directory.</summary>
    public const string ControlFileName = ".clusterfs-glocks";

    // Far above any dinode block number of an image this code can address.
    private const ulong ControlIno = 0x7FFF_FFFF_FFFF_FF00;

    private static ReadOnlySpan<byte> ControlName => ".clusterfs-glocks"u8;

    private readonly ConcurrentDictionary<ulong, byte[]> _controlSnapshots = new();
    private long _nextControlHandle;

    private static FuseAttr ControlAttr() => new()
    {
        Ino = ControlIno,
        Mode = 0x8000 | 0x124, // S_IFREG | 0444
        Nlink = 1,
        BlockSize = 4096,
        Mtime = FuseTime.Now,
        Ctime = FuseTime.Now,
        Atime = FuseTime.Now,
    };

    // No lookup reference is counted: Forget of the control inode is ignored.
    private static FuseEntry ControlEntry() => new() { Ino = ControlIno, Generation = 1, Attr = ControlAttr() };

    private Errno OpenControl(int flags, ref FuseOpenReply reply)
    {
        if ((flags & O_ACCMODE) != 0) return Errno.EACCES;
        ulong handle = (ulong)Interlocked.Increment(ref _nextControlHandle);
        _controlSnapshots[handle] = Encoding.UTF8.GetBytes(_node.Glocks.Dump());
        reply.Handle = handle;
        // The attributes say size 0: direct I/O makes the kernel read until we return 0.
        reply.Flags = FuseOpenFlags.DirectIo;
        return Errno.OK;
    }

    private long ReadControl(in FuseFile file, long offset, Span<byte> buffer)
    {
        if (!_controlSnapshots.TryGetValue(file.Handle, out var text)) return Errno.EBADF.Negative;
        if (offset >= text.Length) return 0;
        int n = (int)Math.Min(buffer.Length, text.Length - offset);
        text.AsSpan((int)offset, n).CopyTo(buffer);
        return n;
    }

    private void ReleaseControl(in FuseFile file) => _controlSnapshots.TryRemove(file.Handle, out _);
}
