using ClusterFs.Fs.Format;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Api;

// Path walk (namei): absolute paths from the root, relative ones from the working directory; '.', '..' and empty
// components as on Linux; symlinks in the middle of a path always followed, the last one only where the call
// follows (stat, open, chmod, ...; not lstat, readlink, unlink, rename, link); at most 40 links per walk (ELOOP);
// a trailing '/' asks for a directory (ENOTDIR). Every walk runs under the meta glock, like the namespace changes.
public sealed partial class FsProcess
{
    /// <summary>MAXSYMLINKS: links followed in one walk before ELOOP.</summary>
    private const int MaxSymlinks = 40;

    private long _cwd; // the working directory's inode; 0 until the first use (the root)

    private long Cwd => Volatile.Read(ref _cwd) is var c && c != 0 ? c : Node.RootInode;

    /// <summary>chdir(2): ENOENT, ENOTDIR, ELOOP.</summary>
    public Errno Chdir(string path)
    {
        var e = Resolve(path, out long ino, follow: true);
        if (!e.IsOk) return e;
        using var meta = Node.LockMeta(out e);
        if (!e.IsOk) return e;
        e = IsDirLocked(ino, out bool dir);
        if (!e.IsOk) return e;
        if (!dir) return Errno.ENOTDIR;
        Volatile.Write(ref _cwd, ino);
        return Errno.OK;
    }

    /// <summary>Resolves <paramref name="path"/> to an inode, following a final symlink when <paramref name="follow"/>.</summary>
    private Errno Resolve(string path, out long ino, bool follow = true)
    {
        ino = 0;
        using var meta = Node.LockMeta(out var e);
        return e.IsOk ? ResolveLocked(path, follow, out ino) : e;
    }

    private Errno ResolveLocked(string path, bool follow, out long ino)
    {
        ino = 0;
        int links = 0;
        var e = WalkParentLocked(path, ref links, out long parent, out string name, out bool trailingSlash);
        if (!e.IsOk) return e;
        e = Node.Volume.Lookup(parent, name, out ino);
        if (!e.IsOk) return e;
        if (follow || trailingSlash)
        {
            e = FollowLocked(parent, ref ino, ref links);
            if (!e.IsOk) return e;
        }
        if (!trailingSlash) return Errno.OK;
        e = IsDirLocked(ino, out bool dir);
        return !e.IsOk ? e : dir ? Errno.OK : Errno.ENOTDIR;
    }

    /// <summary>Splits a path into its parent directory's inode (every symlink on the way followed) and the last
    /// name (the root and "x/." give "."). ENOENT for an empty path. Runs under the meta glock.</summary>
    private Errno ResolveParentLocked(string path, out long parent, out string name)
    {
        int links = 0;
        return WalkParentLocked(path, ref links, out parent, out name, out _);
    }

    private Errno WalkParentLocked(string path, ref int links, out long parent, out string name, out bool trailingSlash) =>
        WalkParentLocked(path.StartsWith('/') ? Node.RootInode : Cwd, path, ref links, out parent, out name, out trailingSlash);

    private Errno WalkParentLocked(long start, string path, ref int links, out long parent, out string name, out bool trailingSlash)
    {
        parent = 0;
        name = "";
        trailingSlash = false;
        if (string.IsNullOrEmpty(path)) return Errno.ENOENT;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            (parent, name) = (start, ".");
            return Errno.OK;
        }
        trailingSlash = path.EndsWith('/');
        long dir = start;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            var e = Node.Volume.Lookup(dir, parts[i], out long next);
            if (!e.IsOk) return e;
            e = FollowLocked(dir, ref next, ref links);
            if (!e.IsOk) return e;
            e = IsDirLocked(next, out bool isDir);
            if (!e.IsOk) return e;
            if (!isDir) return Errno.ENOTDIR;
            dir = next;
        }
        (parent, name) = (dir, parts[^1]);
        return Errno.OK;
    }

    /// <summary>While <paramref name="ino"/> (found in <paramref name="dir"/>) is a symlink, replaces it by what the link
    /// names: relative targets from the link's directory, absolute ones from the root. ELOOP past 40 links.</summary>
    private Errno FollowLocked(long dir, ref long ino, ref int links)
    {
        while (true)
        {
            var e = IsLinkLocked(ino, out bool link);
            if (!e.IsOk || !link) return e;
            e = NextLinkLocked(ref dir, ino, ref links, out string name);
            if (!e.IsOk) return e;
            e = Node.Volume.Lookup(dir, name, out ino);
            if (!e.IsOk) return e;
        }
    }

    /// <summary>One step through symlink <paramref name="ino"/>: counts it, reads its target and walks to the target's
    /// parent (into <paramref name="dir"/>) and last name.</summary>
    private Errno NextLinkLocked(ref long dir, long ino, ref int links, out string name)
    {
        name = "";
        if (++links > MaxSymlinks) return Errno.ELOOP;
        var e = Node.Volume.ReadLink(ino, out string? target);
        if (!e.IsOk) return e;
        if (string.IsNullOrEmpty(target)) return Errno.ENOENT;
        long start = target.StartsWith('/') ? Node.RootInode : dir;
        e = WalkParentLocked(start, target, ref links, out dir, out name, out _);
        return e;
    }

    private Errno IsLinkLocked(long ino, out bool link)
    {
        var e = Node.Volume.GetAttr(ino, out var attr);
        link = e.IsOk && FileTypeBits.IsLink(attr!.Mode);
        return e;
    }

    private Errno IsDirLocked(long ino, out bool dir)
    {
        var e = Node.Volume.GetAttr(ino, out var attr);
        dir = e.IsOk && FileTypeBits.IsDir(attr!.Mode);
        return e;
    }
}
