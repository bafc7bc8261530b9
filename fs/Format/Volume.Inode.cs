using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

// Dinodes: reading with validation, creation, attributes and eviction.
public sealed partial class Volume
{
    /// <summary>Deepest directory hash table (2^20 slots = 8 MiB of pointers); full leaves chain beyond it.</summary>
    internal const int MaxDirDepth = 20;

    /// <summary>Runs one metadata operation as one transaction, serialised with the others. When it fails
    /// nothing is committed, and the allocation hints (which may have moved) are reset.</summary>
    private Errno Run(Func<MetaTx, Errno> op)
    {
        lock (_opLock)
        {
            var tx = new MetaTx(this);
            var e = op(tx);
            if (e.IsOk) e = tx.Commit();
            if (!e.IsOk)
            {
                Array.Clear(_freeHint);
                _pendingEvict.Clear();
            }
            return e;
        }
    }

    /// <summary>Forgets the allocation hints (call when another node may have changed the bitmaps).</summary>
    public void InvalidateAllocationHints()
    {
        lock (_opLock) Array.Clear(_freeHint);
    }

    /// <summary>Reads and validates dinode <paramref name="ino"/>: ESTALE when the block is not an allocated dinode,
    /// EUCLEAN (naming the block) when its contents are inconsistent.</summary>
    internal Errno ReadDinode(MetaTx tx, long ino, out DinodeImage di, bool checkBitmap = true)
    {
        di = default;
        if (!IsDataBlock(ino)) return Errno.ESTALE;
        Errno e;
        if (checkBitmap)
        {
            e = GetBlockState(tx, ino, out var state);
            if (!e.IsOk) return e;
            if (state is not (BlockState.Dinode or BlockState.Unlinked)) return Errno.ESTALE;
        }
        e = tx.Read(ino, BlockType.Dinode, out var img);
        if (!e.IsOk) return e;
        di = new DinodeImage(img);
        string? problem = ValidateDinode(di);
        return problem is null ? Errno.OK : Corrupt($"block {ino}: dinode {problem}");
    }

    /// <summary>Field-level consistency of a dinode; null when fine.</summary>
    internal string? ValidateDinode(DinodeImage di)
    {
        if (!FileTypeBits.IsKnown(di.Mode)) return $"has unknown file type in mode 0{Convert.ToString(di.Mode, 8)}";
        if (di.Height > DinodeImage.MaxHeight) return $"height {di.Height} exceeds {DinodeImage.MaxHeight}";
        if (di.Size < 0) return $"negative size {di.Size}";
        if (di.Blocks < 0 || di.Blocks > Sb.BlockCount) return $"block count {di.Blocks} out of range";
        if (di.XattrBlock != 0 && !IsDataBlock(di.XattrBlock)) return $"xattr block {di.XattrBlock} outside the resource groups";
        if (FileTypeBits.IsDir(di.Mode))
        {
            if (di.DirDepth > MaxDirDepth) return $"directory depth {di.DirDepth} exceeds {MaxDirDepth}";
            bool stuffed = (8L << di.DirDepth) <= StuffedCapacity;
            if (stuffed != (di.Height == 0)) return $"directory table of depth {di.DirDepth} at height {di.Height}";
            if (!stuffed && Capacity(di.Height) < TableBlocks(di.DirDepth)) return $"height {di.Height} cannot hold a depth {di.DirDepth} table";
            if (!IsDataBlock(di.Parent)) return $"parent {di.Parent} outside the resource groups";
            if (di.Entries < 0) return $"negative entry count {di.Entries}";
        }
        else if (di.Height == 0 && di.Size > StuffedCapacity) return $"stuffed with size {di.Size} beyond {StuffedCapacity}";
        if (FileTypeBits.IsLink(di.Mode) && (di.Height != 0 || di.Size == 0)) return "symlink is not stuffed or is empty";
        return null;
    }

    private static InodeAttr ToAttr(long ino, DinodeImage di) => new(ino, di.Mode, di.Uid, di.Gid, di.Nlink, di.Size, di.Blocks,
        di.Atime, di.Mtime, di.Ctime, di.Generation, di.Flags, di.Height, di.Parent);

    /// <summary>Reads inode <paramref name="ino"/>'s attributes. ESTALE for a block that is no dinode, EUCLEAN when corrupt.</summary>
    public Errno GetAttr(long ino, out InodeAttr? attr)
    {
        InodeAttr? result = null;
        var e = Run(tx =>
        {
            var e = ReadDinode(tx, ino, out var di);
            if (e.IsOk) result = ToAttr(ino, di);
            return e;
        });
        attr = result;
        return e;
    }

    /// <summary>Changes attributes as <paramref name="req"/> asks; a size change truncates (freeing blocks past
    /// the end, zeroing the tail of the last block) or extends with a hole. EISDIR for a size change of a
    /// directory, EINVAL for a negative size or a symlink.</summary>
    public Errno SetAttr(long ino, SetAttrRequest req)
    {
        ArgumentNullException.ThrowIfNull(req);
        if (req.Size is long newSize && newSize >= 0 && GetAttr(ino, out var cur).IsOk && FileTypeBits.IsReg(cur!.Mode) && newSize < cur.Size)
        {
            // Free the blocks past the new end first, in bounded transactions; the size changes in the last one.
            var pe = PunchChunked(ino, (newSize + BlockSize - 1) / BlockSize, long.MaxValue, needUnlinked: false);
            if (!pe.IsOk) return pe;
        }
        return Run(tx =>
        {
            var e = ReadDinode(tx, ino, out var di);
            if (!e.IsOk) return e;
            if (req.Size is long size)
            {
                if (FileTypeBits.IsDir(di.Mode)) return Errno.EISDIR;
                if (size < 0 || FileTypeBits.IsLink(di.Mode)) return Errno.EINVAL;
                e = ResizeLocked(tx, ino, di, size);
                if (!e.IsOk) return e;
                di.Mtime = Timestamp.Now;
            }
            if (req.Mode is uint mode) di.Mode = (di.Mode & FileTypeBits.S_IFMT) | (mode & ~FileTypeBits.S_IFMT);
            if (req.Uid is uint uid) di.Uid = uid;
            if (req.Gid is uint gid) di.Gid = gid;
            if (req.Atime is Timestamp at) di.Atime = at;
            if (req.Mtime is Timestamp mt) di.Mtime = mt;
            if (req.Flags is uint fl) di.Flags = fl;
            di.Ctime = req.Ctime ?? Timestamp.Now;
            tx.MarkDirty(ino);
            return Errno.OK;
        });
    }

    /// <summary>Allocates and initialises a dinode near <paramref name="goal"/>.</summary>
    private Errno NewDinode(MetaTx tx, long goal, uint mode, uint uid, uint gid, out long ino, out DinodeImage di)
    {
        di = default;
        var e = AllocBlock(tx, goal, BlockState.Dinode, out ino);
        if (!e.IsOk) return e;
        var img = tx.Create(ino, BlockType.Dinode);
        di = new DinodeImage(img)
        {
            Mode = mode,
            Uid = uid,
            Gid = gid,
            Nlink = 1,
            Generation = Random.Shared.NextInt64(1, long.MaxValue),
        };
        var now = Timestamp.Now;
        di.Atime = now;
        di.Mtime = now;
        di.Ctime = now;
        return Errno.OK;
    }

    /// <summary>Frees everything inode <paramref name="ino"/> owns and the dinode itself.</summary>
    private Errno EvictLocked(MetaTx tx, long ino, DinodeImage di)
    {
        Errno e;
        if (FileTypeBits.IsDir(di.Mode))
        {
            e = FreeDirLeaves(tx, ino, di);
            if (!e.IsOk) return e;
        }
        if (!FileTypeBits.IsLink(di.Mode))
        {
            e = PunchBlocks(tx, ino, di, 0, long.MaxValue);
            if (!e.IsOk) return e;
        }
        if (di.XattrBlock != 0)
        {
            e = FreeBlock(tx, di.XattrBlock);
            if (!e.IsOk) return e;
        }
        return FreeBlock(tx, ino);
    }

    /// <summary>Frees an inode whose link count reached 0 and whose last user went away (state unlinked):
    /// its blocks in transactions of bounded size, then the dinode. EBUSY when it still has links. A crash in
    /// between leaves an unlinked dinode that fsck reclaims.</summary>
    public Errno Evict(long ino)
    {
        var e = PunchChunked(ino, 0, long.MaxValue, needUnlinked: true);
        if (!e.IsOk) return e;
        return Run(tx =>
        {
            var e = ReadDinode(tx, ino, out var di);
            if (!e.IsOk) return e;
            return di.Nlink != 0 ? Errno.EBUSY : EvictLocked(tx, ino, di);
        });
    }

    /// <summary>Evicts the inodes whose last link went in the operation just committed (see <see cref="DropLinkLocked"/>).
    /// Failures are logged and left to fsck, which reclaims unlinked dinodes.</summary>
    private void DrainEvictions()
    {
        long[] pending;
        lock (_opLock)
        {
            pending = [.. _pendingEvict];
            _pendingEvict.Clear();
        }
        foreach (long ino in pending)
        {
            var e = Evict(ino);
            if (!e.IsOk) Failed(e, $"inode {ino}: eviction failed: {e}; left unlinked for fsck");
        }
    }

    /// <summary>Frees file blocks [<paramref name="from"/>, <paramref name="to"/>) in transactions of at most
    /// <see cref="PunchBudget"/> blocks. With <paramref name="needUnlinked"/>, EBUSY when the inode has links.</summary>
    private Errno PunchChunked(long ino, long from, long to, bool needUnlinked)
    {
        bool more = true;
        while (more)
        {
            var e = Run(tx =>
            {
                more = false;
                var e = ReadDinode(tx, ino, out var di);
                if (!e.IsOk) return e;
                if (needUnlinked && di.Nlink != 0) return Errno.EBUSY;
                if (FileTypeBits.IsLink(di.Mode) || FileTypeBits.IsDir(di.Mode) || di.Height == 0) return Errno.OK;
                return PunchBlocks(tx, ino, di, from, to, PunchBudget, out more);
            });
            if (!e.IsOk) return e;
        }
        return Errno.OK;
    }

    /// <summary>Drops one link of <paramref name="ino"/>; at zero the inode is evicted now, or marked unlinked
    /// when <see cref="IsInUse"/> says someone still has it open.</summary>
    private Errno DropLinkLocked(MetaTx tx, long ino, DinodeImage di)
    {
        if (di.Nlink > 0) di.Nlink--;
        if (FileTypeBits.IsDir(di.Mode)) di.Nlink = 0; // a removed directory loses '.' too
        di.Ctime = Timestamp.Now;
        tx.MarkDirty(ino);
        if (di.Nlink != 0) return Errno.OK;
        if (IsInUse?.Invoke(ino) == true) return SetBlockState(tx, ino, BlockState.Unlinked);
        if (di.Blocks <= PunchBudget) return EvictLocked(tx, ino, di);
        // Too big to free in this transaction: mark it unlinked now, free it in bounded steps after the commit.
        _pendingEvict.Add(ino);
        return SetBlockState(tx, ino, BlockState.Unlinked);
    }

    /// <summary>Most blocks one transaction frees (a bound on transaction size for truncate, punch and eviction).</summary>
    internal const int PunchBudget = 2048;

    // Inodes whose last link went in the current operation, to evict after it commits. Guarded by _opLock.
    private readonly List<long> _pendingEvict = [];

    /// <summary>Asked when an inode's last link goes: true keeps it (state unlinked) until <see cref="Evict"/>.</summary>
    public Func<long, bool>? IsInUse { get; set; }
}
