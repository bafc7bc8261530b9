using ClusterFs.Fs.Format;
using ClusterFs.Fs.Inodes;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Node;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Fs.Api;

/// <summary>
/// The in-process system-call API over a mounted <see cref="FsNode"/>: a "process" with a file-descriptor table
/// and its own user memory (<see cref="Mm"/>), whose buffers may be process memory (KVEC: <see cref="Memory{T}"/>)
/// or user addresses in <see cref="Mm"/> (UBUF, or IOVEC arrays) that may map ClusterFs files. Each call runs on the
/// calling thread as this process's task (the thread's <see cref="TaskContext.Mm"/> is set for its duration).
/// Results follow Linux: a count or -errno (long), or an <see cref="Errno"/> for calls without a count. Paths are
/// '/'-separated, absolute or relative to the working directory (<see cref="Chdir"/>), with symlinks followed as
/// Linux does (FsProcess.Paths.cs).
/// </summary>
/// <remarks>Limits (documented decisions): no permission checks (the caller is root).</remarks>
public sealed partial class FsProcess : IDisposable
{
    private readonly object _fdLock = new(); // leaf: guards _files
    private readonly List<OpenFile?> _files = new();

    /// <summary>A process over <paramref name="node"/> with a fresh address space (disposed with the process).</summary>
    public FsProcess(FsNode node)
    {
        Node = node ?? throw new ArgumentNullException(nameof(node));
        Mm = new AddressSpace();
    }

    /// <summary>The mounted node this process works on.</summary>
    public FsNode Node { get; }

    /// <summary>The process's user memory (map buffers here, pass their addresses to the UBUF/IOVEC calls).</summary>
    public AddressSpace Mm { get; }

    /// <summary>Closes every descriptor and unmaps the address space.</summary>
    public void Dispose()
    {
        OpenFile?[] open;
        lock (_fdLock)
        {
            open = [.. _files];
            for (int i = 0; i < _files.Count; i++) _files[i] = null;
        }
        using (Enter())
        {
            foreach (var file in open) file?.Inode.OpenUnref();
        }
        Mm.Dispose();
    }

    /// <summary>Makes the calling thread this process's task until disposed.</summary>
    private TaskScope Enter() => new(Mm);

    private readonly ref struct TaskScope
    {
        private readonly AddressSpace? _previous;

        public TaskScope(AddressSpace mm)
        {
            _previous = TaskContext.Current.Mm;
            TaskContext.Current.Mm = mm;
        }

        public void Dispose() => TaskContext.Current.Mm = _previous;
    }

    private OpenFile? Get(int fd)
    {
        lock (_fdLock) return fd >= 0 && fd < _files.Count ? _files[fd] : null;
    }

    private int Install(OpenFile file)
    {
        lock (_fdLock)
        {
            int fd = _files.IndexOf(null);
            if (fd < 0) { _files.Add(file); return _files.Count - 1; }
            _files[fd] = file;
            return fd;
        }
    }

    /// <summary>close(2): EBADF for a descriptor that is not open.</summary>
    public Errno Close(int fd)
    {
        OpenFile? file;
        lock (_fdLock)
        {
            if (fd < 0 || fd >= _files.Count || _files[fd] is null) return Errno.EBADF;
            file = _files[fd];
            _files[fd] = null;
        }
        using var task = Enter();
        return file!.Inode.OpenUnref();
    }

    /// <summary>
    /// open(2): resolves (and with <see cref="OpenFlags.Create"/> creates, mode <paramref name="mode"/>) a file and
    /// returns the new descriptor or -errno: ENOENT, EEXIST (Create|Exclusive on an existing name), EISDIR (a
    /// directory opened for writing), ENOTDIR (Directory on a non-directory). Truncate empties a regular file
    /// opened for writing.
    /// </summary>
    public long Open(string path, OpenFlags flags, uint mode = 0x1A4 /* 0644 */)
    {
        using var task = Enter();
        long ino;
        bool created = false;
        using (var meta = Node.LockMeta(out var e))
        {
            if (!e.IsOk) return e.Negative;
            e = OpenLookupLocked(path, flags, mode, out ino, out created);
            if (!e.IsOk) return e.Negative;
            // Counted as open while the name is still known to exist: an unlink (under the meta lock) that
            // follows sees it in use and leaves the inode allocated.
            var pinned = Node.GetInode(ino).OpenRef();
            if (!pinned.IsOk) return pinned.Negative;
        }
        var inode = Node.GetInode(ino);
        var r = OpenCounted(inode, flags, created);
        if (r < 0) inode.OpenUnref();
        return r;
    }

    /// <summary>open's walk: finds (or with Create makes) the file. A final symlink is followed, also to create its
    /// missing target, unless NoFollow (ELOOP) or Create|Exclusive (EEXIST: the link itself exists). A trailing '/'
    /// wants a directory: ENOTDIR for another file, EISDIR when it would create.</summary>
    private Errno OpenLookupLocked(string path, OpenFlags flags, uint mode, out long ino, out bool created)
    {
        ino = 0;
        created = false;
        int links = 0;
        var e = WalkParentLocked(path, ref links, out long dir, out string name, out bool trailingSlash);
        while (e.IsOk)
        {
            e = Node.Volume.Lookup(dir, name, out ino);
            if (e == Errno.ENOENT && (flags & OpenFlags.Create) != 0)
            {
                if (trailingSlash) return Errno.EISDIR;
                created = true;
                return Node.Volume.Create(dir, name, FileTypeBits.S_IFREG | (mode & 0xFFF), 0, 0, out ino);
            }
            if (!e.IsOk) return e;
            if ((flags & (OpenFlags.Create | OpenFlags.Exclusive)) == (OpenFlags.Create | OpenFlags.Exclusive)) return Errno.EEXIST;
            e = IsLinkLocked(ino, out bool link);
            if (!e.IsOk) return e;
            if (!link) break;
            if ((flags & OpenFlags.NoFollow) != 0) return Errno.ELOOP;
            e = NextLinkLocked(ref dir, ino, ref links, out name);
        }
        if (!e.IsOk || !trailingSlash) return e;
        e = IsDirLocked(ino, out bool isDir);
        return !e.IsOk ? e : isDir ? Errno.OK : Errno.ENOTDIR;
    }

    private long OpenCounted(Inode inode, OpenFlags flags, bool created)
    {
        var gh = inode.Lock(LockState.Shared, out var err);
        if (gh is null) return err.Negative;
        uint imode = inode.Mode;
        gh.Dq();
        var file = new OpenFile(inode, flags);
        if (FileTypeBits.IsDir(imode) && file.CanWrite) return Errno.EISDIR.Negative;
        if ((flags & OpenFlags.Directory) != 0 && !FileTypeBits.IsDir(imode)) return Errno.ENOTDIR.Negative;
        if ((flags & OpenFlags.Truncate) != 0 && file.CanWrite && FileTypeBits.IsReg(imode) && !created)
        {
            var e = TruncateInode(inode, 0);
            if (!e.IsOk) return e.Negative;
        }
        return Install(file);
    }

    /// <summary>creat(2): open with Create|WriteOnly|Truncate.</summary>
    public long Creat(string path, uint mode = 0x1A4) => Open(path, OpenFlags.Create | OpenFlags.WriteOnly | OpenFlags.Truncate, mode);
}
