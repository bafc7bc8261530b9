using System.Text;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

// Namespace operations: lookup, create, mkdir, symlink, link, unlink, rmdir, rename, readdir (exchange: Volume.Exchange.cs).
public sealed partial class Volume
{
    private Errno ReadDir(MetaTx tx, long dir, out DinodeImage di)
    {
        var e = ReadDinode(tx, dir, out di);
        if (!e.IsOk) return e;
        return FileTypeBits.IsDir(di.Mode) ? Errno.OK : Errno.ENOTDIR;
    }

    /// <summary>Looks <paramref name="name"/> up in <paramref name="dir"/> ('.' and '..' included). ENOENT, ENOTDIR,
    /// ENAMETOOLONG, EUCLEAN.</summary>
    public Errno Lookup(long dir, string name, out long ino)
    {
        long found = 0;
        var e = Run(tx =>
        {
            var e = ReadDir(tx, dir, out var di);
            if (!e.IsOk) return e;
            if (name == ".") { found = dir; return Errno.OK; }
            if (name == "..") { found = di.Parent; return Errno.OK; }
            e = CheckName(name, out var bytes);
            if (!e.IsOk) return e == Errno.EINVAL ? Errno.ENOENT : e;
            e = FindEntry(tx, dir, di, bytes, DirHash.Of(bytes), out long lb, out int off, out _);
            if (!e.IsOk) return e;
            if (off < 0) return Errno.ENOENT;
            e = tx.Read(lb, BlockType.DirLeaf, out var img);
            if (e.IsOk) found = new DirLeaf(img).InoAt(off);
            return e;
        });
        ino = found;
        return e;
    }

    /// <summary>Creates <paramref name="name"/> in <paramref name="dir"/> with <paramref name="mode"/> (a regular file,
    /// device, fifo or socket; a directory when S_IFDIR). Returns the new inode. EEXIST, ENOTDIR, EINVAL, ENOSPC.</summary>
    public Errno Create(long dir, string name, uint mode, uint uid, uint gid, out long ino)
    {
        if (FileTypeBits.IsLink(mode) || !FileTypeBits.IsKnown(mode)) throw new ArgumentException($"mode 0{Convert.ToString(mode, 8)} is no creatable file type", nameof(mode));
        return CreateNode(dir, name, mode, uid, gid, null, out ino);
    }

    /// <summary>Creates symlink <paramref name="name"/> in <paramref name="dir"/> pointing at <paramref name="target"/>
    /// (stuffed in the dinode; ENAMETOOLONG when it does not fit, EINVAL when empty).</summary>
    public Errno Symlink(long dir, string name, string target, uint uid, uint gid, out long ino)
    {
        ArgumentNullException.ThrowIfNull(target);
        return CreateNode(dir, name, FileTypeBits.S_IFLNK | 0x1FF, uid, gid, Encoding.UTF8.GetBytes(target), out ino);
    }

    private Errno CreateNode(long dir, string name, uint mode, uint uid, uint gid, byte[]? linkTarget, out long ino)
    {
        long made = 0;
        var e = Run(tx =>
        {
            var e = CheckName(name, out var bytes);
            if (!e.IsOk) return name is "." or ".." ? Errno.EEXIST : e;
            if (linkTarget is not null && (linkTarget.Length == 0 || linkTarget.Length > StuffedCapacity))
                return linkTarget.Length == 0 ? Errno.EINVAL : Errno.ENAMETOOLONG;
            e = ReadDir(tx, dir, out var pdi);
            if (!e.IsOk) return e;
            if (pdi.Nlink == 0) return Errno.ENOENT; // directory being removed
            e = FindEntry(tx, dir, pdi, bytes, DirHash.Of(bytes), out _, out int off, out _);
            if (!e.IsOk) return e;
            if (off >= 0) return Errno.EEXIST;
            e = NewDinode(tx, dir, mode, uid, gid, out made, out var di);
            if (!e.IsOk) return e;
            if (FileTypeBits.IsDir(mode))
            {
                e = InitDir(tx, made, di, dir);
                if (!e.IsOk) return e;
                pdi.Nlink++;
            }
            if (linkTarget is not null)
            {
                linkTarget.CopyTo(di.Data);
                di.Size = linkTarget.Length;
            }
            e = DirAdd(tx, dir, pdi, bytes, made, FileTypeBits.DType(mode));
            if (!e.IsOk) return e;
            var now = Timestamp.Now;
            pdi.Mtime = now;
            pdi.Ctime = now;
            tx.MarkDirty(dir);
            return Errno.OK;
        });
        ino = e.IsOk ? made : 0;
        return e;
    }

    /// <summary>Reads a symlink's target. EINVAL when <paramref name="ino"/> is not a symlink.</summary>
    public Errno ReadLink(long ino, out string? target)
    {
        string? t = null;
        var e = Run(tx =>
        {
            var e = ReadDinode(tx, ino, out var di);
            if (!e.IsOk) return e;
            if (!FileTypeBits.IsLink(di.Mode)) return Errno.EINVAL;
            t = Encoding.UTF8.GetString(di.Data[..(int)di.Size]);
            return Errno.OK;
        });
        target = t;
        return e;
    }

    /// <summary>Adds hard link <paramref name="name"/> in <paramref name="dir"/> to <paramref name="ino"/>. EPERM for a
    /// directory, EEXIST, EMLINK at 2^32-1 links, ENOENT for an unlinked inode.</summary>
    public Errno Link(long ino, long dir, string name) => Run(tx =>
    {
        var e = CheckName(name, out var bytes);
        if (!e.IsOk) return name is "." or ".." ? Errno.EEXIST : e;
        e = ReadDinode(tx, ino, out var di);
        if (!e.IsOk) return e;
        if (FileTypeBits.IsDir(di.Mode)) return Errno.EPERM;
        if (di.Nlink == 0) return Errno.ENOENT;
        if (di.Nlink == uint.MaxValue) return Errno.EMLINK;
        e = ReadDir(tx, dir, out var pdi);
        if (!e.IsOk) return e;
        e = DirAdd(tx, dir, pdi, bytes, ino, FileTypeBits.DType(di.Mode));
        if (!e.IsOk) return e;
        di.Nlink++;
        var now = Timestamp.Now;
        di.Ctime = now;
        pdi.Mtime = now;
        pdi.Ctime = now;
        tx.MarkDirty(ino);
        tx.MarkDirty(dir);
        return Errno.OK;
    });

    /// <summary>Removes non-directory <paramref name="name"/> from <paramref name="dir"/> (EISDIR for a directory);
    /// the inode goes when its last link does (see <see cref="IsInUse"/>).</summary>
    public Errno Unlink(long dir, string name) => RemoveEntry(dir, name, wantDir: false);

    /// <summary>Removes empty directory <paramref name="name"/> (ENOTDIR, ENOTEMPTY).</summary>
    public Errno Rmdir(long dir, string name) => RemoveEntry(dir, name, wantDir: true);

    /// <summary>Runs a namespace operation, then evicts what lost its last link in it.</summary>
    private Errno RunThenEvict(Func<MetaTx, Errno> op)
    {
        var e = Run(op);
        DrainEvictions();
        return e;
    }

    private Errno RemoveEntry(long dir, string name, bool wantDir) => RunThenEvict(tx =>
    {
        if (name == ".") return Errno.EINVAL;
        if (name == "..") return Errno.ENOTEMPTY;
        var e = CheckName(name, out var bytes);
        if (!e.IsOk) return e == Errno.EINVAL ? Errno.ENOENT : e;
        e = ReadDir(tx, dir, out var pdi);
        if (!e.IsOk) return e;
        e = FindEntry(tx, dir, pdi, bytes, DirHash.Of(bytes), out long lb, out int off, out _);
        if (!e.IsOk) return e;
        if (off < 0) return Errno.ENOENT;
        e = tx.Read(lb, BlockType.DirLeaf, out var limg);
        if (!e.IsOk) return e;
        long ino = new DirLeaf(limg).InoAt(off);
        e = ReadDinode(tx, ino, out var di);
        if (!e.IsOk) return e;
        bool isDir = FileTypeBits.IsDir(di.Mode);
        if (wantDir && !isDir) return Errno.ENOTDIR;
        if (!wantDir && isDir) return Errno.EISDIR;
        if (isDir && di.Entries != 0) return Errno.ENOTEMPTY;
        e = DirRemove(tx, dir, pdi, bytes, out _);
        if (!e.IsOk) return e;
        if (isDir) pdi.Nlink--;
        var now = Timestamp.Now;
        pdi.Mtime = now;
        pdi.Ctime = now;
        tx.MarkDirty(dir);
        return DropLinkLocked(tx, ino, di);
    });

    /// <summary>
    /// Renames <paramref name="srcName"/> in <paramref name="srcDir"/> to <paramref name="dstName"/> in
    /// <paramref name="dstDir"/> atomically, replacing a compatible target (a directory only by an empty one).
    /// EINVAL when a directory would move below itself, ENOTDIR/EISDIR for type mismatches, ENOTEMPTY.
    /// </summary>
    public Errno Rename(long srcDir, string srcName, long dstDir, string dstName) => RunThenEvict(tx =>
    {
        var e = CheckName(srcName, out var sbytes);
        if (!e.IsOk) return srcName is "." or ".." ? Errno.EBUSY : e;
        e = CheckName(dstName, out var dbytes);
        if (!e.IsOk) return dstName is "." or ".." ? Errno.EBUSY : e;
        e = ReadDir(tx, srcDir, out var sdi);
        if (!e.IsOk) return e;
        e = ReadDir(tx, dstDir, out var ddi);
        if (!e.IsOk) return e;
        e = FindEntry(tx, srcDir, sdi, sbytes, DirHash.Of(sbytes), out long slb, out int soff, out _);
        if (!e.IsOk) return e;
        if (soff < 0) return Errno.ENOENT;
        e = tx.Read(slb, BlockType.DirLeaf, out var simg);
        if (!e.IsOk) return e;
        long ino = new DirLeaf(simg).InoAt(soff);
        e = ReadDinode(tx, ino, out var di);
        if (!e.IsOk) return e;
        bool isDir = FileTypeBits.IsDir(di.Mode);
        if (isDir && srcDir != dstDir)
        {
            e = RefuseMoveBelowItself(tx, ino, dstDir);
            if (!e.IsOk) return e;
        }
        e = FindEntry(tx, dstDir, ddi, dbytes, DirHash.Of(dbytes), out long dlb, out int doff, out _);
        if (!e.IsOk) return e;
        var now = Timestamp.Now;
        if (doff >= 0)
        {
            e = tx.Read(dlb, BlockType.DirLeaf, out var dimg);
            if (!e.IsOk) return e;
            long victim = new DirLeaf(dimg).InoAt(doff);
            if (victim == ino) return Errno.OK; // two links to the same inode: POSIX says do nothing
            e = ReadDinode(tx, victim, out var vdi);
            if (!e.IsOk) return e;
            bool vDir = FileTypeBits.IsDir(vdi.Mode);
            if (isDir && !vDir) return Errno.ENOTDIR;
            if (!isDir && vDir) return Errno.EISDIR;
            if (vDir && vdi.Entries != 0) return Errno.ENOTEMPTY;
            e = DirRemove(tx, dstDir, ddi, dbytes, out _);
            if (!e.IsOk) return e;
            if (vDir) ddi.Nlink--;
            e = DropLinkLocked(tx, victim, vdi);
            if (!e.IsOk) return e;
        }
        e = DirRemove(tx, srcDir, sdi, sbytes, out _);
        if (!e.IsOk) return e;
        e = DirAdd(tx, dstDir, ddi, dbytes, ino, FileTypeBits.DType(di.Mode));
        if (!e.IsOk) return e;
        if (isDir && srcDir != dstDir)
        {
            di.Parent = dstDir;
            sdi.Nlink--;
            ddi.Nlink++;
        }
        di.Ctime = now;
        sdi.Mtime = now; sdi.Ctime = now;
        ddi.Mtime = now; ddi.Ctime = now;
        tx.MarkDirty(ino);
        tx.MarkDirty(srcDir);
        tx.MarkDirty(dstDir);
        return Errno.OK;
    });

    /// <summary>EINVAL when directory <paramref name="dir"/> is <paramref name="newParent"/> or an ancestor of it:
    /// moving it there would cut it loose from the tree. EUCLEAN when the parent chain does not reach the root.</summary>
    private Errno RefuseMoveBelowItself(MetaTx tx, long dir, long newParent)
    {
        long p = newParent;
        for (int depth = 0; ; depth++)
        {
            if (p == dir) return Errno.EINVAL;
            if (p == RootInode) return Errno.OK;
            if (depth > 1_000_000) return Corrupt($"block {newParent}: parent chain does not reach the root");
            var e = ReadDinode(tx, p, out var pdi);
            if (!e.IsOk) return e;
            p = pdi.Parent;
        }
    }

    /// <summary>
    /// Appends up to <paramref name="max"/> entries of <paramref name="dir"/> starting at <paramref name="cookie"/>
    /// (0 = start; then the <see cref="DirEntry.NextCookie"/> of the last entry returned) to <paramref name="into"/>:
    /// '.', '..', then the entries in hash order. Cookies stay valid across creates and deletes.
    /// </summary>
    public Errno ReadDir(long dir, long cookie, int max, List<DirEntry> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        return Run(tx =>
        {
            var e = ReadDir(tx, dir, out var di);
            if (!e.IsOk) return e;
            int added = 0;
            if (cookie <= 0 && added < max) { into.Add(new DirEntry(".", dir, FileTypeBits.DType(FileTypeBits.S_IFDIR), 1)); added++; cookie = 1; }
            if (cookie == 1 && added < max) { into.Add(new DirEntry("..", di.Parent, FileTypeBits.DType(FileTypeBits.S_IFDIR), 2)); added++; cookie = 2; }
            if (added >= max || cookie >= 1L << DirHash.Bits) return Errno.OK;
            long start = cookie <= 2 ? 0 : DirHash.Index(cookie, di.DirDepth);
            var batch = new List<(long Hash, string Name, long Ino, byte Type)>();
            return ForEachLeaf(tx, dir, di, start, (b, leaf) =>
            {
                batch.Clear();
                int end = DirLeaf.EntriesOffset + leaf.Used;
                for (int off = DirLeaf.EntriesOffset; off < end; off += leaf.SizeAt(off))
                {
                    long h = leaf.HashAt(off);
                    if (h >= cookie) batch.Add((h, leaf.NameStringAt(off), leaf.InoAt(off), leaf.TypeAt(off)));
                }
                batch.Sort((x, y) => x.Hash.CompareTo(y.Hash));
                foreach (var x in batch)
                {
                    if (added >= max) return false;
                    into.Add(new DirEntry(x.Name, x.Ino, x.Type, x.Hash + 1));
                    added++;
                }
                return added < max;
            });
        });
    }
}
