using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

// RENAME_EXCHANGE: swapping two directory entries in one transaction.
public sealed partial class Volume
{
    /// <summary>
    /// Swaps the entries <paramref name="nameA"/> in <paramref name="dirA"/> and <paramref name="nameB"/> in
    /// <paramref name="dirB"/> atomically (renameat2 RENAME_EXCHANGE): afterwards each name refers to the inode the
    /// other named, in one journal transaction, so no crash and no reader sees a half-done exchange. Either side may
    /// be a directory: one that changes parent gets its '..' updated, and when exactly one side is a directory the
    /// two parents' link counts move with it. Both inodes' ctime and both parents' mtime/ctime are set to now.
    /// OK without a change when both names are the same entry or name the same inode (hard links), as Linux does.
    /// ENOENT when either name is absent, EBUSY for '.' or '..', EINVAL when a directory would move below itself,
    /// ENOTDIR when a parent is no directory, EUCLEAN (block named in <see cref="LastError"/>) on corrupt metadata.
    /// </summary>
    public Errno Exchange(long dirA, string nameA, long dirB, string nameB) => Run(tx =>
    {
        // Run, not RunThenEvict: an exchange drops no link, so nothing can need evicting.
        var e = CheckName(nameA, out var abytes);
        if (!e.IsOk) return nameA is "." or ".." ? Errno.EBUSY : e;
        e = CheckName(nameB, out var bbytes);
        if (!e.IsOk) return nameB is "." or ".." ? Errno.EBUSY : e;
        e = ReadDir(tx, dirA, out var pa);
        if (!e.IsOk) return e;
        e = ReadDir(tx, dirB, out var pb);
        if (!e.IsOk) return e;
        e = FindNamed(tx, dirA, pa, abytes, out long alb, out int aoff, out long inoA);
        if (!e.IsOk) return e;
        e = FindNamed(tx, dirB, pb, bbytes, out long blb, out int boff, out long inoB);
        if (!e.IsOk) return e;
        if (inoA == inoB) return Errno.OK; // the same entry, or two hard links: nothing to swap
        e = ReadDinode(tx, inoA, out var da);
        if (!e.IsOk) return e;
        e = ReadDinode(tx, inoB, out var db);
        if (!e.IsOk) return e;
        bool aDir = FileTypeBits.IsDir(da.Mode), bDir = FileTypeBits.IsDir(db.Mode);
        bool move = dirA != dirB;
        if (move && aDir)
        {
            e = RefuseMoveBelowItself(tx, inoA, dirB);
            if (!e.IsOk) return e;
        }
        if (move && bDir)
        {
            e = RefuseMoveBelowItself(tx, inoB, dirA);
            if (!e.IsOk) return e;
        }

        // Rewrite both entries in place: names, hashes and sizes stay, so no leaf splits, allocates or moves an
        // entry, and the directories' entry counts do not change. Both leaves may be one block (the transaction
        // hands out one image per block), and the offsets stay valid because nothing shifts.
        e = tx.Read(alb, BlockType.DirLeaf, out var aimg);
        if (!e.IsOk) return e;
        e = tx.Read(blb, BlockType.DirLeaf, out var bimg);
        if (!e.IsOk) return e;
        var aleaf = new DirLeaf(aimg);
        var bleaf = new DirLeaf(bimg);
        aleaf.SetInoAt(aoff, inoB);
        aleaf.SetTypeAt(aoff, FileTypeBits.DType(db.Mode));
        bleaf.SetInoAt(boff, inoA);
        bleaf.SetTypeAt(boff, FileTypeBits.DType(da.Mode));
        tx.MarkDirty(alb);
        tx.MarkDirty(blb);

        if (move)
        {
            if (aDir) da.Parent = dirB;
            if (bDir) db.Parent = dirA;
            // A subdirectory's '..' is a link to its parent: only when one side is a directory does a link move.
            if (aDir && !bDir) { pa.Nlink--; pb.Nlink++; }
            else if (bDir && !aDir) { pb.Nlink--; pa.Nlink++; }
        }
        var now = Timestamp.Now;
        da.Ctime = now;
        db.Ctime = now;
        pa.Mtime = now; pa.Ctime = now;
        pb.Mtime = now; pb.Ctime = now;
        tx.MarkDirty(inoA);
        tx.MarkDirty(inoB);
        tx.MarkDirty(dirA);
        tx.MarkDirty(dirB);
        return Errno.OK;
    });

    /// <summary>Finds entry <paramref name="name"/> of <paramref name="dir"/>: its leaf block, offset and inode.
    /// ENOENT when absent.</summary>
    private Errno FindNamed(MetaTx tx, long dir, DinodeImage di, byte[] name, out long leafBlock, out int offset, out long ino)
    {
        ino = 0;
        var e = FindEntry(tx, dir, di, name, DirHash.Of(name), out leafBlock, out offset, out _);
        if (!e.IsOk) return e;
        if (offset < 0) return Errno.ENOENT;
        e = tx.Read(leafBlock, BlockType.DirLeaf, out var img);
        if (e.IsOk) ino = new DirLeaf(img).InoAt(offset);
        return e;
    }
}
