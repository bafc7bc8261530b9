using ClusterFs.Iov;

namespace ClusterFs.Fuse;

/// <summary>
/// The filesystem behind a FUSE session, inode-based like libfuse's low-level API (go-fuse's
/// RawFileSystem, fuser's Filesystem). Members return an <see cref="Errno"/> (or a count / -errno
/// as a long) and fill result structs; they never reply themselves — the dispatcher sends exactly
/// one reply per request. Members are called concurrently from the session's worker threads and
/// must be thread-safe. Names arrive as raw bytes (no terminating NUL). An exception escaping a
/// member is a bug: it is logged and the request is answered EIO. Derive from
/// <see cref="FuseFileSystemBase"/> to answer ENOSYS for what is not implemented.
/// </summary>
public interface IFuseFileSystem
{
    /// <summary>Negotiates the connection before any other request; may change <c>connection.Want</c> and limits.</summary>
    void Init(FuseConnection connection);

    /// <summary>Called once when the session is destroyed, after the last request.</summary>
    void Destroy();

    /// <summary>
    /// Looks a name up in a directory. On OK the inode's lookup count grows by one; an OK answer
    /// with <c>entry.Ino</c> 0 is a negative entry the kernel caches for <c>EntryTimeout</c>.
    /// </summary>
    Errno Lookup(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry);

    /// <summary>Drops <paramref name="nlookup"/> lookups of an inode (no reply). At zero the inode may be freed.</summary>
    void Forget(ulong ino, ulong nlookup);

    /// <summary>Reads an inode's attributes; <paramref name="attrTimeout"/> is how long the kernel may cache them.</summary>
    Errno GetAttr(in FuseContext ctx, ulong ino, in FuseFile file, out FuseAttr attr, out double attrTimeout);

    /// <summary>Changes the attributes named in <c>changes.Valid</c> and returns the new attributes.</summary>
    Errno SetAttr(in FuseContext ctx, ulong ino, in FuseSetAttr changes, in FuseFile file, out FuseAttr attr, out double attrTimeout);

    /// <summary>Copies a symlink's target into <paramref name="target"/>; returns its length or -errno (-ENAMETOOLONG if it does not fit).</summary>
    long ReadLink(in FuseContext ctx, ulong ino, Span<byte> target);

    /// <summary>Creates a regular file, fifo, socket or device node. On OK the lookup count grows by one.</summary>
    Errno MkNod(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, ulong rdev, out FuseEntry entry);

    /// <summary>Creates a directory. On OK the lookup count grows by one.</summary>
    Errno MkDir(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, out FuseEntry entry);

    /// <summary>Removes a non-directory name.</summary>
    Errno Unlink(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name);

    /// <summary>Removes an empty directory.</summary>
    Errno RmDir(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name);

    /// <summary>Creates a symlink to <paramref name="target"/>. On OK the lookup count grows by one.</summary>
    Errno SymLink(in FuseContext ctx, ReadOnlySpan<byte> target, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry);

    /// <summary>Renames, honouring RENAME_NOREPLACE and RENAME_EXCHANGE.</summary>
    Errno Rename(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, FuseRenameFlags flags);

    /// <summary>Creates a hard link. On OK the lookup count grows by one.</summary>
    Errno Link(in FuseContext ctx, ulong ino, ulong newParent, ReadOnlySpan<byte> newName, out FuseEntry entry);

    /// <summary>Opens a file; <paramref name="reply"/> arrives seeded (DirectIo for O_DIRECT) and returns the handle and flags.</summary>
    Errno Open(in FuseContext ctx, ulong ino, int flags, ref FuseOpenReply reply);

    /// <summary>Creates and opens a file. On OK the lookup count grows by one.</summary>
    Errno Create(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, int flags, ref FuseOpenReply reply, out FuseEntry entry);

    /// <summary>Reads into <paramref name="buffer"/> (a reused per-worker buffer); returns bytes read (short at EOF) or -errno.</summary>
    long Read(in FuseContext ctx, ulong ino, in FuseFile file, long offset, Span<byte> buffer);

    /// <summary>Writes <paramref name="data"/>; returns bytes written or -errno.</summary>
    long Write(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ReadOnlySpan<byte> data);

    /// <summary>Called on each close of a file descriptor; release POSIX locks of <c>file.LockOwner</c> here.</summary>
    Errno Flush(in FuseContext ctx, ulong ino, in FuseFile file);

    /// <summary>
    /// Called when the last reference to an open file goes away; the error is ignored by the kernel.
    /// Drop flock locks of <c>file.LockOwner</c> when <c>file.IsFlockRelease</c>, and any OFD locks
    /// taken through this handle: the kernel sends no unlock for those when the file is closed.
    /// </summary>
    Errno Release(in FuseContext ctx, ulong ino, in FuseFile file);

    /// <summary>Makes the file's data (and metadata unless <paramref name="dataOnly"/>) durable.</summary>
    Errno Fsync(in FuseContext ctx, ulong ino, in FuseFile file, bool dataOnly);

    /// <summary>Opens a directory.</summary>
    Errno OpenDir(in FuseContext ctx, ulong ino, int flags, ref FuseOpenReply reply);

    /// <summary>
    /// Fills <paramref name="buffer"/> with entries after <paramref name="offset"/> until it reports full;
    /// each entry carries the offset of the entry after it. An empty buffer means end of directory.
    /// </summary>
    Errno ReadDir(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ref FuseDirectoryBuffer buffer);

    /// <summary>
    /// Like <see cref="ReadDir"/> with full entries (<see cref="FuseDirectoryBuffer.AddPlus(ReadOnlySpan{byte}, in FuseEntry, long)"/>):
    /// every entry other than "." and ".." that was added increments that inode's lookup count.
    /// </summary>
    Errno ReadDirPlus(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ref FuseDirectoryBuffer buffer);

    /// <summary>Releases an open directory.</summary>
    Errno ReleaseDir(in FuseContext ctx, ulong ino, in FuseFile file);

    /// <summary>Synchronises a directory.</summary>
    Errno FsyncDir(in FuseContext ctx, ulong ino, in FuseFile file, bool dataOnly);

    /// <summary>Returns filesystem statistics.</summary>
    Errno StatFs(in FuseContext ctx, ulong ino, out FuseStatFs stat);

    /// <summary>Sets an extended attribute (flags: XATTR_CREATE 1, XATTR_REPLACE 2).</summary>
    Errno SetXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags);

    /// <summary>
    /// Reads an extended attribute: returns its length or -errno. An empty <paramref name="value"/> is a
    /// size probe (return the length, copy nothing); a too-small one must give -ERANGE.
    /// </summary>
    long GetXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name, Span<byte> value);

    /// <summary>Lists attribute names, each NUL-terminated; same size-probe protocol as <see cref="GetXattr"/>.</summary>
    long ListXattr(in FuseContext ctx, ulong ino, Span<byte> list);

    /// <summary>Removes an extended attribute (ENODATA if absent).</summary>
    Errno RemoveXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name);

    /// <summary>Tests for a conflicting POSIX lock: sets <c>lk.Type</c> to Unlock if none, else describes the conflict.</summary>
    Errno GetLk(in FuseContext ctx, ulong ino, in FuseFile file, ref FuseLock lk);

    /// <summary>
    /// Acquires or releases a POSIX lock for <c>file.LockOwner</c>. With <paramref name="sleep"/> it
    /// waits for conflicts to clear; that call runs on its own thread, and <paramref name="cancel"/>
    /// fires when the caller is interrupted (answer EINTR).
    /// </summary>
    Errno SetLk(in FuseContext ctx, ulong ino, in FuseFile file, in FuseLock lk, bool sleep, CancellationToken cancel);

    /// <summary>
    /// BSD flock: <paramref name="op"/> is LOCK_SH (1), LOCK_EX (2) or LOCK_UN (8), plus LOCK_NB (4)
    /// when the caller must not wait. Waiting calls run on their own thread like <see cref="SetLk"/>.
    /// </summary>
    Errno Flock(in FuseContext ctx, ulong ino, in FuseFile file, int op, CancellationToken cancel);

    /// <summary>Allocates or deallocates space (mode 0, FALLOC_FL_KEEP_SIZE 1, FALLOC_FL_PUNCH_HOLE 2, ...).</summary>
    Errno Fallocate(in FuseContext ctx, ulong ino, in FuseFile file, int mode, long offset, long length);

    /// <summary>SEEK_DATA (3) / SEEK_HOLE (4): returns the resulting offset or -errno (-ENXIO past the data).</summary>
    long Lseek(in FuseContext ctx, ulong ino, in FuseFile file, long offset, int whence);

    /// <summary>Copies a range between two open files; returns bytes copied or -errno.</summary>
    long CopyFileRange(in FuseContext ctx, ulong inoIn, in FuseFile fileIn, long offsetIn, ulong inoOut, in FuseFile fileOut, long offsetOut, long length, int flags);
}
