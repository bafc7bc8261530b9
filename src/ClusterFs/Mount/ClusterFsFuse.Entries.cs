using ClusterFs.Fs.Format;
using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fuse;
using ClusterFs.Iov;

namespace ClusterFs.Cli.Mount;

// Names and attributes: lookup, getattr, setattr, mknod, mkdir, symlink, link, unlink, rmdir, rename, readlink.
public sealed partial class ClusterFsFuse
{
    /// <inheritdoc/>
    public override Errno Lookup(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        if (parent == FuseRootId && name.SequenceEqual(ControlName)) { entry = ControlEntry(); return Errno.OK; }
        long ino;
        using (var meta = _node.LockMeta(out var e))
        {
            if (!e.IsOk) { entry = default; return e; }
            e = _node.Volume.Lookup(ToCore(parent), Name(name), out ino);
            if (!e.IsOk) { entry = default; return e; }
        }
        return Entry(ino, out entry);
    }

    /// <inheritdoc/>
    public override Errno GetAttr(in FuseContext ctx, ulong ino, in FuseFile file, out FuseAttr attr, out double attrTimeout)
    {
        attrTimeout = _attrTimeout;
        if (ino == ControlIno) { attr = ControlAttr(); return Errno.OK; }
        return Stat(ToCore(ino), out attr);
    }

    /// <inheritdoc/>
    public override Errno SetAttr(in FuseContext ctx, ulong ino, in FuseSetAttr changes, in FuseFile file, out FuseAttr attr, out double attrTimeout)
    {
        attr = default;
        attrTimeout = _attrTimeout;
        if (ino == ControlIno) return Errno.EACCES;
        long core = ToCore(ino);
        var inode = _node.GetInode(core);
        var gh = inode.Lock(LockState.Exclusive, out var e);
        if (gh is null) return e;
        try
        {
            if (changes.Has(FuseSetAttrMask.Size))
            {
                if (FileTypeBits.IsDir(inode.Mode)) return Errno.EISDIR;
                if (!FileTypeBits.IsReg(inode.Mode)) return Errno.EINVAL;
                e = inode.TruncateLocked(changes.Size);
                if (!e.IsOk) return e;
            }
            var req = new SetAttrRequest
            {
                Mode = changes.Has(FuseSetAttrMask.Mode) ? changes.Mode & 0xFFF : null,
                Uid = changes.Has(FuseSetAttrMask.Uid) ? changes.Uid : null,
                Gid = changes.Has(FuseSetAttrMask.Gid) ? changes.Gid : null,
                Atime = changes.Has(FuseSetAttrMask.Atime) ? Ts(changes.Atime) : null,
                Mtime = changes.Has(FuseSetAttrMask.Mtime) ? Ts(changes.Mtime) : null,
                Ctime = changes.Has(FuseSetAttrMask.Ctime) ? Ts(changes.Ctime) : Timestamp.Now,
            };
            e = _node.Volume.SetAttr(core, req);
            if (!e.IsOk) return e;
            e = inode.ReloadAttrLocked();
            if (!e.IsOk) return e;
            attr = ToFuseAttr(inode.Attr!);
            return Errno.OK;
        }
        finally { gh.Dq(); }
    }

    private static Timestamp Ts(FuseTime t) => new(t.Seconds, (uint)t.Nanoseconds);

    /// <inheritdoc/>
    public override long ReadLink(in FuseContext ctx, ulong ino, Span<byte> target)
    {
        if (ino == ControlIno) return Errno.EINVAL.Negative;
        using var meta = _node.LockMeta(out var e);
        if (!e.IsOk) return e.Negative;
        e = _node.Volume.ReadLink(ToCore(ino), out string? t);
        if (!e.IsOk) return e.Negative;
        int n = System.Text.Encoding.UTF8.GetByteCount(t!);
        if (n > target.Length) return Errno.ENAMETOOLONG.Negative;
        return System.Text.Encoding.UTF8.GetBytes(t!, target);
    }

    /// <inheritdoc/>
    public override Errno MkNod(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, ulong rdev, out FuseEntry entry)
    {
        entry = default;
        // The dinode has no device number: device nodes would lose it, so they are refused.
        uint type = mode & FileTypeBits.S_IFMT;
        if (type is FileTypeBits.S_IFCHR or FileTypeBits.S_IFBLK) return Errno.EPERM;
        if (type == 0) mode |= FileTypeBits.S_IFREG;
        if (!FileTypeBits.IsKnown(mode) || FileTypeBits.IsDir(mode) || FileTypeBits.IsLink(mode)) return Errno.EINVAL;
        return CreateEntry(ctx, parent, name, mode, out entry);
    }

    /// <inheritdoc/>
    public override Errno MkDir(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, out FuseEntry entry) =>
        CreateEntry(ctx, parent, name, FileTypeBits.S_IFDIR | (mode & 0xFFF), out entry);

    private Errno CreateEntry(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, out FuseEntry entry)
    {
        entry = default;
        long ino;
        using (var meta = _node.LockMeta(out var e))
        {
            if (!e.IsOk) return e;
            e = _node.Volume.Create(ToCore(parent), Name(name), mode, ctx.Uid, ctx.Gid, out ino);
            if (!e.IsOk) return e;
        }
        return Entry(ino, out entry);
    }

    /// <inheritdoc/>
    public override Errno SymLink(in FuseContext ctx, ReadOnlySpan<byte> target, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        entry = default;
        long ino;
        using (var meta = _node.LockMeta(out var e))
        {
            if (!e.IsOk) return e;
            e = _node.Volume.Symlink(ToCore(parent), Name(name), Name(target), ctx.Uid, ctx.Gid, out ino);
            if (!e.IsOk) return e;
        }
        return Entry(ino, out entry);
    }

    /// <inheritdoc/>
    public override Errno Link(in FuseContext ctx, ulong ino, ulong newParent, ReadOnlySpan<byte> newName, out FuseEntry entry)
    {
        entry = default;
        if (ino == ControlIno) return Errno.EPERM;
        long core = ToCore(ino);
        var inode = _node.GetInode(core);
        var gh = inode.Lock(LockState.Exclusive, out var e);
        if (gh is null) return e;
        try
        {
            using var meta = _node.LockMeta(out e);
            if (!e.IsOk) return e;
            e = _node.Volume.Link(core, ToCore(newParent), Name(newName));
            if (!e.IsOk) return e;
        }
        finally { gh.Dq(); }
        return Entry(core, out entry);
    }

    /// <inheritdoc/>
    public override Errno Unlink(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name) => RemoveName(ToCore(parent), Name(name), dir: false);

    /// <inheritdoc/>
    public override Errno RmDir(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name) => RemoveName(ToCore(parent), Name(name), dir: true);

    private Errno RemoveName(long parent, string name, bool dir)
    {
        long victim;
        using (var meta = _node.LockMeta(out var e))
        {
            if (!e.IsOk) return e;
            e = _node.Volume.Lookup(parent, name, out victim);
            if (!e.IsOk) return e;
        }
        return WithVictim(victim, () => dir ? _node.Volume.Rmdir(parent, name) : _node.Volume.Unlink(parent, name));
    }

    /// <summary>
    /// Runs a namespace change that may drop the last link of <paramref name="victim"/> (0: none) with the victim's
    /// glock EX (lock order: inode -> meta). A victim the change freed loses its cache; one left unlinked because some
    /// node still uses it is freed by the last user (FsNode.TryEvictUnlinked).
    /// </summary>
    private Errno WithVictim(long victim, Func<Errno> change)
    {
        GlockHolder? gh = null;
        var inode = victim != 0 ? _node.GetInode(victim) : null;
        if (inode is not null)
        {
            gh = inode.Lock(LockState.Exclusive, out var le);
            if (gh is null) return le;
        }
        try
        {
            using var meta = _node.LockMeta(out var e);
            if (!e.IsOk) return e;
            e = change();
            if (e.IsOk && inode is not null)
            {
                if (!_node.Volume.GetAttr(inode.Ino, out _).IsOk) inode.DiscardLocked();
            }
            return e;
        }
        finally { gh?.Dq(); }
    }

    /// <inheritdoc/>
    public override Errno Rename(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, FuseRenameFlags flags)
    {
        if ((flags & ~(FuseRenameFlags.NoReplace | FuseRenameFlags.Exchange)) != 0) return Errno.EINVAL;
        if (flags == (FuseRenameFlags.NoReplace | FuseRenameFlags.Exchange)) return Errno.EINVAL;
        long src = ToCore(parent), dst = ToCore(newParent);
        string from = Name(name), to = Name(newName);
        long victim = 0;
        using (var meta = _node.LockMeta(out var e))
        {
            if (!e.IsOk) return e;
            // RENAME_EXCHANGE is one Volume transaction (Volume.Exchange): both names must exist, nothing is
            // dropped, so there is no victim to lock; atomic for every node under the meta glock, and across a crash.
            if (flags == FuseRenameFlags.Exchange) return _node.Volume.Exchange(src, from, dst, to);
            if (flags == FuseRenameFlags.NoReplace)
            {
                e = _node.Volume.Lookup(src, from, out _);
                if (!e.IsOk) return e;
                return _node.Volume.Lookup(dst, to, out _).IsOk ? Errno.EEXIST : _node.Volume.Rename(src, from, dst, to);
            }
            if (_node.Volume.Lookup(dst, to, out long v).IsOk) victim = v;
        }
        return WithVictim(victim, () => _node.Volume.Rename(src, from, dst, to));
    }
}
