using ClusterFs.Iov;

namespace ClusterFs.Fuse;

/// <summary>
/// A filesystem that answers ENOSYS to everything (the kernel then stops sending most of those
/// requests); derive and override what is implemented. Init and Destroy do nothing. A filesystem
/// that does not implement locks should drop <see cref="FuseCapabilities.PosixLocks"/> and
/// <see cref="FuseCapabilities.FlockLocks"/> in Init so the kernel keeps locks local.
/// </summary>
public abstract class FuseFileSystemBase : IFuseFileSystem
{
    /// <inheritdoc/>
    public virtual void Init(FuseConnection connection) { }
    /// <inheritdoc/>
    public virtual void Destroy() { }
    /// <inheritdoc/>
    public virtual Errno Lookup(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry) { entry = default; return Errno.ENOSYS; }
    /// <inheritdoc/>
    public virtual void Forget(ulong ino, ulong nlookup) { }
    /// <inheritdoc/>
    public virtual Errno GetAttr(in FuseContext ctx, ulong ino, in FuseFile file, out FuseAttr attr, out double attrTimeout) { attr = default; attrTimeout = 0; return Errno.ENOSYS; }
    /// <inheritdoc/>
    public virtual Errno SetAttr(in FuseContext ctx, ulong ino, in FuseSetAttr changes, in FuseFile file, out FuseAttr attr, out double attrTimeout) { attr = default; attrTimeout = 0; return Errno.ENOSYS; }
    /// <inheritdoc/>
    public virtual long ReadLink(in FuseContext ctx, ulong ino, Span<byte> target) => Errno.ENOSYS.Negative;
    /// <inheritdoc/>
    public virtual Errno MkNod(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, ulong rdev, out FuseEntry entry) { entry = default; return Errno.ENOSYS; }
    /// <inheritdoc/>
    public virtual Errno MkDir(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, out FuseEntry entry) { entry = default; return Errno.ENOSYS; }
    /// <inheritdoc/>
    public virtual Errno Unlink(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno RmDir(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno SymLink(in FuseContext ctx, ReadOnlySpan<byte> target, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry) { entry = default; return Errno.ENOSYS; }
    /// <inheritdoc/>
    public virtual Errno Rename(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, FuseRenameFlags flags) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno Link(in FuseContext ctx, ulong ino, ulong newParent, ReadOnlySpan<byte> newName, out FuseEntry entry) { entry = default; return Errno.ENOSYS; }
    /// <inheritdoc/>
    public virtual Errno Open(in FuseContext ctx, ulong ino, int flags, ref FuseOpenReply reply) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno Create(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, int flags, ref FuseOpenReply reply, out FuseEntry entry) { entry = default; return Errno.ENOSYS; }
    /// <inheritdoc/>
    public virtual long Read(in FuseContext ctx, ulong ino, in FuseFile file, long offset, Span<byte> buffer) => Errno.ENOSYS.Negative;
    /// <inheritdoc/>
    public virtual long Write(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ReadOnlySpan<byte> data) => Errno.ENOSYS.Negative;
    /// <inheritdoc/>
    public virtual Errno Flush(in FuseContext ctx, ulong ino, in FuseFile file) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno Release(in FuseContext ctx, ulong ino, in FuseFile file) => Errno.OK;
    /// <inheritdoc/>
    public virtual Errno Fsync(in FuseContext ctx, ulong ino, in FuseFile file, bool dataOnly) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno OpenDir(in FuseContext ctx, ulong ino, int flags, ref FuseOpenReply reply) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno ReadDir(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ref FuseDirectoryBuffer buffer) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno ReadDirPlus(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ref FuseDirectoryBuffer buffer) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno ReleaseDir(in FuseContext ctx, ulong ino, in FuseFile file) => Errno.OK;
    /// <inheritdoc/>
    public virtual Errno FsyncDir(in FuseContext ctx, ulong ino, in FuseFile file, bool dataOnly) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno StatFs(in FuseContext ctx, ulong ino, out FuseStatFs stat) { stat = default; return Errno.ENOSYS; }
    /// <inheritdoc/>
    public virtual Errno SetXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual long GetXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name, Span<byte> value) => Errno.ENOSYS.Negative;
    /// <inheritdoc/>
    public virtual long ListXattr(in FuseContext ctx, ulong ino, Span<byte> list) => Errno.ENOSYS.Negative;
    /// <inheritdoc/>
    public virtual Errno RemoveXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno GetLk(in FuseContext ctx, ulong ino, in FuseFile file, ref FuseLock lk) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno SetLk(in FuseContext ctx, ulong ino, in FuseFile file, in FuseLock lk, bool sleep, CancellationToken cancel) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno Flock(in FuseContext ctx, ulong ino, in FuseFile file, int op, CancellationToken cancel) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual Errno Fallocate(in FuseContext ctx, ulong ino, in FuseFile file, int mode, long offset, long length) => Errno.ENOSYS;
    /// <inheritdoc/>
    public virtual long Lseek(in FuseContext ctx, ulong ino, in FuseFile file, long offset, int whence) => Errno.ENOSYS.Negative;
    /// <inheritdoc/>
    public virtual long CopyFileRange(in FuseContext ctx, ulong inoIn, in FuseFile fileIn, long offsetIn, ulong inoOut, in FuseFile fileOut, long offsetOut, long length, int flags) => Errno.ENOSYS.Negative;
}
