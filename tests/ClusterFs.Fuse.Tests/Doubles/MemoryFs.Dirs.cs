using System.Text;
using ClusterFs.Iov;

namespace ClusterFs.Fuse.Tests.Doubles;

internal sealed partial class MemoryFs
{
    public override Errno MkNod(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, ulong rdev, out FuseEntry entry)
    {
        Errno e = MakeNode(ctx, parent, name, mode, out entry, out MemoryInode? node);
        if (node is not null)
            node.Rdev = rdev;
        return e;
    }

    public override Errno MkDir(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, out FuseEntry entry)
        => MakeNode(ctx, parent, name, MemoryInode.S_IFDIR | (mode & 0xFFF), out entry, out _);

    public override Errno SymLink(in FuseContext ctx, ReadOnlySpan<byte> target, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        Errno e = MakeNode(ctx, parent, name, MemoryInode.S_IFLNK | 0x1FF, out entry, out MemoryInode? node);
        if (node is not null)
        {
            lock (_lock)
            {
                node.SymlinkTarget = target.ToArray();
                node.Size = target.Length;
                entry.Attr = node.Attr();
            }
        }
        return e;
    }

    public override long ReadLink(in FuseContext ctx, ulong ino, Span<byte> target)
    {
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT.Negative;
            if ((i.Mode & MemoryInode.S_IFMT) != MemoryInode.S_IFLNK)
                return Errno.EINVAL.Negative;
            if (i.SymlinkTarget.Length > target.Length)
                return Errno.ENAMETOOLONG.Negative;
            i.SymlinkTarget.CopyTo(target);
            return i.SymlinkTarget.Length;
        }
    }

    public override Errno Unlink(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name) => Remove(parent, name, dir: false);

    public override Errno RmDir(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name) => Remove(parent, name, dir: true);

    public override Errno Link(in FuseContext ctx, ulong ino, ulong newParent, ReadOnlySpan<byte> newName, out FuseEntry entry)
    {
        string n = Encoding.UTF8.GetString(newName);
        entry = default;
        lock (_lock)
        {
            if (!TryDir(newParent, out MemoryInode? dir, out Errno e))
                return e;
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT;
            if (i.IsDir)
                return Errno.EPERM;
            if (dir.Child(n) is not null)
                return Errno.EEXIST;
            dir.AddEntry(n, ino);
            i.Nlink++;
            i.Ctime = FuseTime.Now;
            entry = EntryLocked(i);
            return Errno.OK;
        }
    }

    public override Errno Rename(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, FuseRenameFlags flags)
    {
        string from = Encoding.UTF8.GetString(name);
        string to = Encoding.UTF8.GetString(newName);
        if ((flags & ~(FuseRenameFlags.NoReplace | FuseRenameFlags.Exchange)) != 0
            || flags == (FuseRenameFlags.NoReplace | FuseRenameFlags.Exchange))
            return Errno.EINVAL;
        lock (_lock)
        {
            if (!TryDir(parent, out MemoryInode? src, out Errno e) || !TryDir(newParent, out MemoryInode? dst, out e))
                return e;
            if (src.Child(from) is not ulong ino)
                return Errno.ENOENT;
            ulong? target = dst.Child(to);
            if (target == ino)
                return Errno.OK;
            MemoryInode moving = _inodes[ino];
            if ((flags & FuseRenameFlags.Exchange) != 0)
            {
                if (target is not ulong other)
                    return Errno.ENOENT;
                MemoryInode o = _inodes[other];
                src.RemoveEntry(from);
                dst.RemoveEntry(to);
                src.AddEntry(from, other);
                dst.AddEntry(to, ino);
                ReparentLocked(o, src, dst);
                ReparentLocked(moving, dst, src);
                return Errno.OK;
            }
            if (target is ulong victimIno)
            {
                if ((flags & FuseRenameFlags.NoReplace) != 0)
                    return Errno.EEXIST;
                MemoryInode victim = _inodes[victimIno];
                if (victim.IsDir && !moving.IsDir)
                    return Errno.EISDIR;
                if (!victim.IsDir && moving.IsDir)
                    return Errno.ENOTDIR;
                if (victim.IsDir && victim.Entries.Count > 0)
                    return Errno.ENOTEMPTY;
                dst.RemoveEntry(to);
                DropLinkLocked(victim, dst);
            }
            src.RemoveEntry(from);
            dst.AddEntry(to, ino);
            ReparentLocked(moving, dst, src);
            moving.Ctime = FuseTime.Now;
            return Errno.OK;
        }
    }

    public override Errno OpenDir(in FuseContext ctx, ulong ino, int flags, ref FuseOpenReply reply)
    {
        lock (_lock)
        {
            if (!TryDir(ino, out _, out Errno e))
                return e;
            reply.Handle = _nextHandle++;
            _handles[reply.Handle] = (ino, flags);
            return Errno.OK;
        }
    }

    public override Errno ReadDir(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ref FuseDirectoryBuffer buffer)
    {
        Interlocked.Increment(ref _readDirs);
        return FillDir(ino, offset, ref buffer, plus: false);
    }

    public override Errno ReadDirPlus(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ref FuseDirectoryBuffer buffer)
    {
        Interlocked.Increment(ref _readDirPluses);
        return FillDir(ino, offset, ref buffer, plus: true);
    }

    public override Errno ReleaseDir(in FuseContext ctx, ulong ino, in FuseFile file)
    {
        lock (_lock)
            _handles.Remove(file.Handle);
        return Errno.OK;
    }

    public override Errno FsyncDir(in FuseContext ctx, ulong ino, in FuseFile file, bool dataOnly)
    {
        Interlocked.Increment(ref _fsyncs);
        return Errno.OK;
    }

    private Errno FillDir(ulong ino, long offset, ref FuseDirectoryBuffer buffer, bool plus)
    {
        lock (_lock)
        {
            if (!TryDir(ino, out MemoryInode? dir, out Errno e))
                return e;
            if (offset < 1 && !AddDot(ref buffer, ".", dir, 1, plus))
                return Errno.OK;
            if (offset < 2 && !AddDot(ref buffer, "..", _inodes[dir.Parent], 2, plus))
                return Errno.OK;
            foreach ((long cookie, (string name, ulong child)) in dir.Entries)
            {
                if (cookie <= offset)
                    continue;
                MemoryInode c = _inodes[child];
                if (plus)
                {
                    // Count the lookup only if the entry made it into the reply.
                    var entry = new FuseEntry { Ino = c.Ino, Generation = c.Generation, Attr = c.Attr(), AttrTimeout = Timeout, EntryTimeout = Timeout };
                    if (!buffer.AddPlus(name, entry, cookie))
                        break;
                    c.Nlookup++;
                }
                else if (!buffer.Add(name, c.Ino, c.Mode, cookie))
                {
                    break;
                }
            }
            return Errno.OK;
        }
    }

    private static bool AddDot(ref FuseDirectoryBuffer buffer, string name, MemoryInode i, long next, bool plus)
    {
        if (!plus)
            return buffer.Add(name, i.Ino, i.Mode, next);
        // "." and ".." carry no lookup reference; libfuse wants only the type and number for them.
        var entry = new FuseEntry { Ino = i.Ino, Attr = new FuseAttr { Ino = i.Ino, Mode = i.Mode } };
        return buffer.AddPlus(name, entry, next);
    }

    private Errno MakeNode(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, out FuseEntry entry, out MemoryInode? node)
    {
        string n = Encoding.UTF8.GetString(name);
        entry = default;
        node = null;
        Errno fault = CheckFault(n);
        if (!fault.IsOk)
            return fault;
        lock (_lock)
        {
            if (!TryDir(parent, out MemoryInode? dir, out Errno e))
                return e;
            if (dir.Child(n) is not null)
                return Errno.EEXIST;
            node = NewInodeLocked(ctx, mode, n, parent);
            dir.AddEntry(n, node.Ino);
            if (node.IsDir)
                dir.Nlink++;
            dir.Mtime = dir.Ctime = FuseTime.Now;
            entry = EntryLocked(node);
            return Errno.OK;
        }
    }

    private Errno Remove(ulong parent, ReadOnlySpan<byte> name, bool dir)
    {
        string n = Encoding.UTF8.GetString(name);
        lock (_lock)
        {
            if (!TryDir(parent, out MemoryInode? d, out Errno e))
                return e;
            if (d.Child(n) is not ulong ino)
                return Errno.ENOENT;
            MemoryInode i = _inodes[ino];
            if (dir && !i.IsDir)
                return Errno.ENOTDIR;
            if (!dir && i.IsDir)
                return Errno.EISDIR;
            if (dir && i.Entries.Count > 0)
                return Errno.ENOTEMPTY;
            d.RemoveEntry(n);
            DropLinkLocked(i, d);
            return Errno.OK;
        }
    }

    private void DropLinkLocked(MemoryInode i, MemoryInode dir)
    {
        if (i.IsDir)
        {
            i.Nlink = 0;
            dir.Nlink--;
        }
        else
        {
            i.Nlink--;
        }
        i.Ctime = dir.Mtime = dir.Ctime = FuseTime.Now;
        MaybeFreeLocked(i);
    }

    private static void ReparentLocked(MemoryInode moved, MemoryInode newDir, MemoryInode oldDir)
    {
        if (!moved.IsDir || newDir == oldDir)
            return;
        moved.Parent = newDir.Ino;
        newDir.Nlink++;
        oldDir.Nlink--;
    }
}
