using ClusterFs.Fuse.Native;
using ClusterFs.Iov;

namespace ClusterFs.Fuse;

// Notify calls (kernel cache invalidation and store). Each throws InvalidOperationException when
// called on a libfuse worker thread, i.e. from inside a request handler.
public sealed unsafe partial class FuseSession
{
    /// <summary>
    /// Drops the kernel's cached pages of [offset, offset+length) of an inode (length 0 = to the end;
    /// a negative offset drops only the attributes). Never call it from a request handler for the
    /// same inode or while holding a lock such a request needs: with the writeback cache it waits
    /// for writeback. Returns OK, ENOENT if the kernel has no such inode, or another errno.
    /// </summary>
    public Errno InvalidateInode(ulong ino, long offset, long length)
        => FromRc(LibFuse.fuse_lowlevel_notify_inval_inode(SessionPointer, ino, offset, length));

    /// <summary>
    /// Drops a cached dentry and the parent's attributes. Must not be called in the execution path
    /// of a related request (lookup, create, unlink, rename... on the parent) or under a lock one needs.
    /// </summary>
    public Errno InvalidateEntry(ulong parent, ReadOnlySpan<byte> name)
    {
        fixed (byte* n = NulTerminated(name))
            return FromRc(LibFuse.fuse_lowlevel_notify_inval_entry(SessionPointer, parent, n, (nuint)name.Length));
    }

    /// <summary>Like <see cref="InvalidateEntry"/>, and tells inotify watchers that <paramref name="child"/> was deleted.</summary>
    public Errno NotifyDelete(ulong parent, ulong child, ReadOnlySpan<byte> name)
    {
        fixed (byte* n = NulTerminated(name))
            return FromRc(LibFuse.fuse_lowlevel_notify_delete(SessionPointer, parent, child, n, (nuint)name.Length));
    }

    /// <summary>
    /// Stores <paramref name="data"/> in the kernel's page cache at <paramref name="offset"/>
    /// (extending i_size if it goes past it). A failure may leave a partial store.
    /// </summary>
    public Errno Store(ulong ino, long offset, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            FuseBufVec v = default;
            v.Count = 1;
            v.BufSize = (nuint)data.Length;
            v.BufMem = p;
            v.BufFd = -1;
            return FromRc(LibFuse.fuse_lowlevel_notify_store(SessionPointer, ino, offset, &v, 0));
        }
    }

    private nint SessionPointer
    {
        get
        {
            ThrowIfDisposed();
            // libfuse: a notify in the execution path of a related request can deadlock (with the
            // writeback cache, inval_inode waits for writes that need a worker). DESIGN.md: never
            // from a handler; issue it from another thread.
            if (FuseDispatcher.OnWorkerThread)
                throw new InvalidOperationException("FUSE notify called from inside a request handler; issue it from another thread");
            return _se;
        }
    }

    private static Errno FromRc(int rc) => rc < 0 ? new Errno(-rc) : Errno.OK;

    private static byte[] NulTerminated(ReadOnlySpan<byte> name)
    {
        byte[] b = new byte[name.Length + 1];
        name.CopyTo(b);
        return b;
    }
}
