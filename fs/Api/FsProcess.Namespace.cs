using ClusterFs.Fs.Format;
using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Inodes;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Api;

// Directories and metadata: thin over Volume, under the meta glock (namespace) and the inode glock (attributes).
public sealed partial class FsProcess
{
    private Errno InParent(string path, Func<long, string, Errno> op)
    {
        using var task = Enter();
        using var meta = Node.LockMeta(out var e);
        if (!e.IsOk) return e;
        e = ResolveParentLocked(path, out long parent, out string name);
        return e.IsOk ? op(parent, name) : e;
    }

    /// <summary>mkdir(2): EEXIST, ENOENT, ENOTDIR, ENOSPC.</summary>
    public Errno Mkdir(string path, uint mode = 0x1ED /* 0755 */) =>
        InParent(path, (p, n) => Node.Volume.Create(p, n, FileTypeBits.S_IFDIR | (mode & 0xFFF), 0, 0, out _));

    /// <summary>rmdir(2): ENOTEMPTY, ENOTDIR, ENOENT.</summary>
    public Errno Rmdir(string path) => InParent(path, (p, n) => Node.Volume.Rmdir(p, n));

    /// <summary>symlink(2): creates <paramref name="path"/> pointing at <paramref name="target"/>.</summary>
    public Errno Symlink(string target, string path) =>
        InParent(path, (p, n) => Node.Volume.Symlink(p, n, target, 0, 0, out _));

    /// <summary>readlink(2): EINVAL for a non-symlink.</summary>
    public Errno Readlink(string path, out string? target)
    {
        target = null;
        var e = Resolve(path, out long ino, follow: false);
        if (!e.IsOk) return e;
        return Node.Volume.ReadLink(ino, out target);
    }

    /// <summary>link(2): a new name <paramref name="newPath"/> for <paramref name="oldPath"/> (a symlink itself, not
    /// followed, as Linux's link). EPERM for a directory.</summary>
    public Errno Link(string oldPath, string newPath)
    {
        var e = Resolve(oldPath, out long ino, follow: false);
        if (!e.IsOk) return e;
        return InParent(newPath, (p, n) => Node.Volume.Link(ino, p, n));
    }

    /// <summary>unlink(2): removes a name; the last one frees the file (its cached pages are discarded first).</summary>
    public Errno Unlink(string path) => RemoveName(path, (p, n) => Node.Volume.Unlink(p, n));

    /// <summary>rename(2): replaces an existing target (freed if that was its last name).</summary>
    public Errno Rename(string oldPath, string newPath)
    {
        using var task = Enter();
        long srcParent, dstParent;
        string srcName, dstName;
        long victim = 0;
        using (var meta = Node.LockMeta(out var e))
        {
            if (!e.IsOk) return e;
            e = ResolveParentLocked(oldPath, out srcParent, out srcName);
            if (!e.IsOk) return e;
            e = ResolveParentLocked(newPath, out dstParent, out dstName);
            if (!e.IsOk) return e;
            if (Node.Volume.Lookup(dstParent, dstName, out long v).IsOk) victim = v;
        }
        return WithVictim(victim, () => Node.Volume.Rename(srcParent, srcName, dstParent, dstName));
    }

    private Errno RemoveName(string path, Func<long, string, Errno> op)
    {
        using var task = Enter();
        long parent, ino;
        string name;
        using (var meta = Node.LockMeta(out var e))
        {
            if (!e.IsOk) return e;
            e = ResolveParentLocked(path, out parent, out name);
            if (!e.IsOk) return e;
            e = Node.Volume.Lookup(parent, name, out ino);
            if (!e.IsOk) return e;
        }
        return WithVictim(ino, () => op(parent, name));
    }

    /// <summary>Runs a namespace change that may drop the last link of <paramref name="victim"/> (0: none) with the
    /// victim's glock EX (lock order: inode -> meta), discarding its cache when the change freed it.</summary>
    private Errno WithVictim(long victim, Func<Errno> change)
    {
        GlockHolder? gh = null;
        Inode? inode = null;
        if (victim != 0)
        {
            inode = Node.GetInode(victim);
            gh = inode.Lock(LockState.Exclusive, out var le);
            if (gh is null) return le;
        }
        try
        {
            using var meta = Node.LockMeta(out var e);
            if (!e.IsOk) return e;
            e = change();
            if (e.IsOk && inode is not null)
            {
                // Freed (the dinode is gone): nothing of its cache may reach the disk. Left unlinked because it is
                // still open: the cache stays until the last close evicts it (Inode.OpenUnref).
                bool gone = !Node.Volume.GetAttr(inode.Ino, out var a).IsOk || (a!.Nlink == 0 && !inode.IsOpen);
                if (gone) inode.DiscardLocked();
            }
            return e;
        }
        finally { gh?.Dq(); }
    }

    /// <summary>stat(2): a final symlink is followed (ELOOP past 40 links; ENOENT when dangling).</summary>
    public Errno Stat(string path, out InodeAttr? attr) => Stat(path, follow: true, out attr);

    /// <summary>lstat(2): the symlink itself.</summary>
    public Errno Lstat(string path, out InodeAttr? attr) => Stat(path, follow: false, out attr);

    private Errno Stat(string path, bool follow, out InodeAttr? attr)
    {
        attr = null;
        var e = Resolve(path, out long ino, follow);
        if (!e.IsOk) return e;
        using var task = Enter();
        return StatInode(Node.GetInode(ino), out attr);
    }

    /// <summary>readdir: every entry of the directory ('.' and '..' first). ENOTDIR.</summary>
    public Errno ReadDir(string path, out List<DirEntry> entries)
    {
        entries = new List<DirEntry>();
        var e = Resolve(path, out long ino);
        if (!e.IsOk) return e;
        using var meta = Node.LockMeta(out e);
        if (!e.IsOk) return e;
        long cookie = 0;
        while (true)
        {
            int before = entries.Count;
            e = Node.Volume.ReadDir(ino, cookie, 256, entries);
            if (!e.IsOk) return e;
            if (entries.Count == before) return Errno.OK;
            cookie = entries[^1].NextCookie;
        }
    }

    /// <summary>chmod(2).</summary>
    public Errno Chmod(string path, uint mode) => SetAttr(path, new SetAttrRequest { Mode = mode & 0xFFF });

    /// <summary>chown(2).</summary>
    public Errno Chown(string path, uint uid, uint gid) => SetAttr(path, new SetAttrRequest { Uid = uid, Gid = gid });

    /// <summary>utimes(2).</summary>
    public Errno Utimes(string path, Timestamp atime, Timestamp mtime) => SetAttr(path, new SetAttrRequest { Atime = atime, Mtime = mtime });

    private Errno SetAttr(string path, SetAttrRequest req)
    {
        var e = Resolve(path, out long ino);
        if (!e.IsOk) return e;
        using var task = Enter();
        var inode = Node.GetInode(ino);
        var gh = inode.Lock(LockState.Exclusive, out e);
        if (gh is null) return e;
        try
        {
            e = Node.Volume.SetAttr(ino, req);
            return e.IsOk ? inode.ReloadAttrLocked() : e;
        }
        finally { gh.Dq(); }
    }

    /// <summary>setxattr(2): EEXIST/ENODATA per <paramref name="flags"/>, ERANGE/ENOSPC for a value too large.</summary>
    public Errno SetXattr(string path, string name, ReadOnlySpan<byte> value, XattrFlags flags = XattrFlags.None)
    {
        var e = Resolve(path, out long ino);
        if (!e.IsOk) return e;
        using var meta = Node.LockMeta(out e);
        return e.IsOk ? Node.Volume.SetXattr(ino, name, value, flags) : e;
    }

    /// <summary>getxattr(2): the value's length (copied when <paramref name="buffer"/> is large enough, ERANGE when
    /// not; an empty buffer asks for the size) or -errno (ENODATA).</summary>
    public long GetXattr(string path, string name, Span<byte> buffer)
    {
        var e = Resolve(path, out long ino);
        if (!e.IsOk) return e.Negative;
        using var meta = Node.LockMeta(out e);
        return e.IsOk ? Node.Volume.GetXattr(ino, name, buffer) : e.Negative;
    }

    /// <summary>listxattr(2): NUL-separated names; length or -errno.</summary>
    public long ListXattr(string path, Span<byte> buffer)
    {
        var e = Resolve(path, out long ino);
        if (!e.IsOk) return e.Negative;
        using var meta = Node.LockMeta(out e);
        return e.IsOk ? Node.Volume.ListXattr(ino, buffer) : e.Negative;
    }

    /// <summary>removexattr(2): ENODATA.</summary>
    public Errno RemoveXattr(string path, string name)
    {
        var e = Resolve(path, out long ino);
        if (!e.IsOk) return e;
        using var meta = Node.LockMeta(out e);
        return e.IsOk ? Node.Volume.RemoveXattr(ino, name) : e;
    }
}
