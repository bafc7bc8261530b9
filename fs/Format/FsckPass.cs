using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

/// <summary>One run of <see cref="Fsck"/>: a walk of the tree from the root that records every block it reaches,
/// then a sweep of the bitmaps against that record.</summary>
internal sealed class FsckPass(Volume vol, FsckReport report, bool repair)
{
    private readonly Dictionary<long, BlockState> _claimed = [];
    private readonly Dictionary<long, long> _claimOwner = [];
    private readonly Dictionary<long, int> _entryLinks = [];
    private readonly Dictionary<long, List<long>> _namedBy = [];
    private readonly Dictionary<long, byte> _entryType = [];
    private readonly Dictionary<long, int> _subdirs = [];
    private readonly Dictionary<long, (uint Mode, uint Nlink, long Parent)> _inodes = [];
    private readonly HashSet<long> _bad = [];

    private void Problem(string line) => report.Problems.Add(line);

    public void Run()
    {
        Walk();
        CheckLinks();
        SweepBitmaps();
        report.InodesChecked = _inodes.Count;
        report.BlocksInUse = _claimed.Count;
    }

    private string Why(Errno e) => vol.LastError ?? e.ToString();

    /// <summary>Records that <paramref name="owner"/> uses <paramref name="block"/>; false when someone already did.</summary>
    private bool Claim(long block, BlockState state, long owner)
    {
        if (!vol.IsDataBlock(block)) { Problem($"block {block}: used by inode {owner} but outside every resource group"); return false; }
        if (_claimed.TryAdd(block, state)) { _claimOwner[block] = owner; return true; }
        Problem($"block {block}: used twice, by inode {_claimOwner[block]} and inode {owner}");
        return false;
    }

    private void Walk()
    {
        var queue = new Queue<long>();
        queue.Enqueue(vol.RootInode);
        _namedBy[vol.RootInode] = [];
        var queued = new HashSet<long> { vol.RootInode };
        while (queue.Count > 0)
        {
            long ino = queue.Dequeue();
            var tx = new MetaTx(vol);
            var e = vol.ReadDinode(tx, ino, out var di, checkBitmap: false);
            if (!e.IsOk)
            {
                _bad.Add(ino);
                Problem(ino == vol.RootInode ? $"inode {ino} (root): {Why(e)}" : $"inode {ino}: {Why(e)}");
                continue;
            }
            if (!Claim(ino, BlockState.Dinode, ino)) { _bad.Add(ino); continue; }
            _inodes[ino] = (di.Mode, di.Nlink, di.Parent);
            long blocks = 0;
            bool isDir = FileTypeBits.IsDir(di.Mode);
            e = vol.WalkTree(tx, ino, di,
                b => { if (Claim(b, BlockState.Used, ino)) blocks++; },
                (fileBlock, p) =>
                {
                    long b = p & Volume.BlockMask;
                    if (isDir && (p < 0 || !tx.Read(b, BlockType.DirTable, out _).IsOk))
                    {
                        Problem($"inode {ino}: directory hash table block {b}: {vol.LastError ?? "marked unwritten"}");
                        return;
                    }
                    if (Claim(b, BlockState.Used, ino)) blocks++;
                });
            if (!e.IsOk) { Problem($"inode {ino}: block tree: {Why(e)}"); _bad.Add(ino); }
            if (di.XattrBlock != 0)
            {
                e = tx.Read(di.XattrBlock, BlockType.Xattr, out var ximg);
                string? xp = e.IsOk ? Volume.ValidateXattrs(ximg) : Why(e);
                if (xp is not null) Problem($"inode {ino}: xattr block {di.XattrBlock}: {xp}");
                if (Claim(di.XattrBlock, BlockState.Used, ino)) blocks++;
            }
            if (isDir) blocks += WalkDirectory(tx, ino, di, queue, queued);
            if (!_bad.Contains(ino) && blocks != di.Blocks)
            {
                Problem($"inode {ino}: block count {di.Blocks}, but {blocks} blocks are reachable");
                if (repair) Fix(tx2 => SetBlocks(tx2, ino, blocks));
            }
        }
    }

    private long WalkDirectory(MetaTx tx, long dir, DinodeImage di, Queue<long> queue, HashSet<long> queued)
    {
        long blocks = 0, entries = 0;
        int subdirs = 0;
        var e = vol.ForEachLeaf(tx, dir, di, 0, (lb, leaf) =>
        {
            if (Claim(lb, BlockState.Used, dir)) blocks++;
            else return false;
            int end = DirLeaf.EntriesOffset + leaf.Used;
            for (int off = DirLeaf.EntriesOffset; off < end; off += leaf.SizeAt(off))
            {
                entries++;
                long child = leaf.InoAt(off);
                byte type = leaf.TypeAt(off);
                if (!vol.IsDataBlock(child))
                {
                    Problem($"inode {dir}: entry '{leaf.NameStringAt(off)}' names block {child}, outside every resource group");
                    continue;
                }
                _entryLinks[child] = _entryLinks.GetValueOrDefault(child) + 1;
                if (!_namedBy.TryGetValue(child, out var by)) _namedBy[child] = by = [];
                by.Add(dir);
                _entryType[child] = type;
                if (type == FileTypeBits.DType(FileTypeBits.S_IFDIR)) subdirs++;
                if (queued.Add(child)) queue.Enqueue(child);
            }
            return true;
        }, verify: true);
        if (!e.IsOk) { Problem($"inode {dir}: directory: {Why(e)}"); _bad.Add(dir); }
        else if (entries != di.Entries) Problem($"inode {dir}: directory says {di.Entries} entries, holds {entries}");
        _subdirs[dir] = subdirs;
        return blocks;
    }

    private void CheckLinks()
    {
        foreach (var (ino, (mode, nlink, parent)) in _inodes)
        {
            bool isDir = FileTypeBits.IsDir(mode);
            var by = _namedBy.GetValueOrDefault(ino) ?? [];
            if (_entryType.TryGetValue(ino, out byte t) && t != FileTypeBits.DType(mode))
                Problem($"inode {ino}: directory entry type {t} does not match mode 0{Convert.ToString(mode, 8)}");
            uint expected;
            if (isDir)
            {
                if (ino == vol.RootInode && parent != ino) Problem($"inode {ino} (root): parent is {parent}, expected itself");
                if (ino != vol.RootInode && (by.Count != 1 || by[0] != parent))
                    Problem($"inode {ino}: directory '..' is {parent} but it is named by {(by.Count == 0 ? "no directory" : string.Join(", ", by))}");
                if (ino == vol.RootInode && by.Count != 0) Problem($"inode {ino} (root): named by directory {by[0]}");
                expected = (uint)(2 + _subdirs.GetValueOrDefault(ino));
            }
            else expected = (uint)by.Count;
            if (nlink != expected && !_bad.Contains(ino))
            {
                Problem($"inode {ino}: link count {nlink}, expected {expected}");
                // Entries in a directory the walk could not read are uncounted: lowering a count then is not safe.
                if (repair && _bad.Count == 0) Fix(tx => SetNlink(tx, ino, expected));
            }
        }
    }

    private void SweepBitmaps()
    {
        int per = RindexEntry.BlocksPerBitmap(vol.BlockSize);
        // Bitmaps and rgrp headers hold nothing the walk cannot recompute, so when the walk met no bad inode a
        // damaged one is rebuilt from what is reachable.
        bool rebuild = repair && _bad.Count == 0;
        for (int ri = 0; ri < vol.Rindex.Count; ri++)
        {
            var r = vol.Rindex[ri];
            var tx = new MetaTx(vol);
            int free = 0, dinodes = 0, unlinked = 0, fixedHere = 0;
            var e = tx.Read(r.HeaderBlock, BlockType.RgrpHeader, out var himg);
            bool headerKnown = e.IsOk;
            if (!e.IsOk)
            {
                Problem(Why(e));
                // Without repair, still sweep the bitmaps (the rindex says where they are); skip the counts.
                himg = rebuild ? tx.Create(r.HeaderBlock, BlockType.RgrpHeader) : new byte[vol.BlockSize];
                if (rebuild) { fixedHere++; headerKnown = true; }
            }
            var h = new RgrpHeader(himg);
            if (headerKnown && (h.Index != ri || h.FirstDataBlock != r.FirstDataBlock || h.DataBlocks != r.DataBlocks || h.BitmapBlocks != r.BitmapBlocks))
            {
                if (e.IsOk) Problem($"block {r.HeaderBlock}: rgrp header disagrees with the resource index");
                if (!rebuild) continue;
                h.Index = ri;
                h.FirstDataBlock = r.FirstDataBlock;
                h.DataBlocks = r.DataBlocks;
                h.BitmapBlocks = r.BitmapBlocks;
                tx.MarkDirty(r.HeaderBlock);
                if (e.IsOk) fixedHere++;
            }
            for (int bi = 0; bi < r.BitmapBlocks; bi++)
            {
                long bb = r.HeaderBlock + 1 + bi;
                e = tx.Read(bb, BlockType.Bitmap, out var bimg);
                bool rebuilt = false;
                if (!e.IsOk)
                {
                    Problem(Why(e));
                    if (!rebuild) { free = -1; break; }
                    bimg = tx.Create(bb, BlockType.Bitmap);
                    rebuilt = true;
                    fixedHere++;
                }
                int count = Math.Min(per, r.DataBlocks - bi * per);
                for (int i = 0; i < count; i++)
                {
                    long block = r.FirstDataBlock + (long)bi * per + i;
                    var state = Bitmap.Get(bimg, i);
                    var want = _claimed.GetValueOrDefault(block, BlockState.Free);
                    if (rebuilt) { Bitmap.Set(bimg, i, want); state = want; }
                    if (state != want)
                    {
                        Problem(want == BlockState.Free
                            ? $"block {block}: marked {state} in bitmap {bb} but nothing uses it (leaked)"
                            : state == BlockState.Free
                                ? $"block {block}: in use ({want}, inode {_claimOwner[block]}) but free in bitmap {bb}"
                                : $"block {block}: marked {state} in bitmap {bb}, in use as {want}");
                        // Freeing a "leaked" block is only safe when the walk reached everything (no bad inode
                        // whose blocks went unclaimed); marking a used block used always is.
                        if (repair && (want != BlockState.Free || _bad.Count == 0)) { Bitmap.Set(bimg, i, want); tx.MarkDirty(bb); fixedHere++; state = want; }
                    }
                    if (state == BlockState.Free) free++;
                    if (state is BlockState.Dinode or BlockState.Unlinked) dinodes++;
                    if (state == BlockState.Unlinked) unlinked++;
                }
            }
            if (free < 0 || !headerKnown) continue;
            if (h.Free != free || h.Dinodes != dinodes || h.Unlinked != unlinked)
            {
                Problem($"block {r.HeaderBlock}: rgrp counts free {h.Free} dinodes {h.Dinodes} unlinked {h.Unlinked}, bitmaps say {free}/{dinodes}/{unlinked}");
                if (repair) { h.Free = free; h.Dinodes = dinodes; h.Unlinked = unlinked; tx.MarkDirty(r.HeaderBlock); fixedHere++; }
            }
            if (repair && tx.DirtyCount > 0)
            {
                if (tx.Commit().IsOk) report.Repaired += fixedHere;
                else Problem($"block {r.HeaderBlock}: repair failed: {vol.LastError}");
            }
        }
        if (repair) vol.InvalidateAllocationHints();
    }

    private void Fix(Func<MetaTx, Errno> change)
    {
        var tx = new MetaTx(vol);
        var e = change(tx);
        if (e.IsOk) e = tx.Commit();
        if (e.IsOk) report.Repaired++;
        else Problem($"repair failed: {Why(e)}");
    }

    private Errno SetNlink(MetaTx tx, long ino, uint nlink)
    {
        var e = vol.ReadDinode(tx, ino, out var di, checkBitmap: false);
        if (!e.IsOk) return e;
        di.Nlink = nlink;
        tx.MarkDirty(ino);
        return Errno.OK;
    }

    private Errno SetBlocks(MetaTx tx, long ino, long blocks)
    {
        var e = vol.ReadDinode(tx, ino, out var di, checkBitmap: false);
        if (!e.IsOk) return e;
        di.Blocks = blocks;
        tx.MarkDirty(ino);
        return Errno.OK;
    }
}
