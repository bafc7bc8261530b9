using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

// The block allocator: 2-bit bitmaps per resource group, searched forward from a goal block so a
// file's blocks (and a directory's inodes) end up next to each other.
public sealed partial class Volume
{
    /// <summary>
    /// Allocates one block in state <paramref name="state"/>, as close after <paramref name="goal"/> as
    /// possible: the goal's rgrp from the goal on, then the following rgrps (wrapping), then the goal's rgrp
    /// below the goal. ENOSPC when every rgrp is full.
    /// </summary>
    internal Errno AllocBlock(MetaTx tx, long goal, BlockState state, out long block)
    {
        block = 0;
        int start = RgrpOf(goal);
        int startBit = 0;
        if (start < 0) start = 0;
        else startBit = (int)(goal - _rindex[start].FirstDataBlock);
        for (int n = 0; n <= _rindex.Length; n++)
        {
            int ri = (start + n) % _rindex.Length;
            int from = n == 0 ? startBit : 0;
            int limit = n == _rindex.Length ? startBit : _rindex[ri].DataBlocks;
            var e = TryAllocIn(tx, ri, from, limit, state, out block);
            if (!e.IsOk || block != 0) return e;
        }
        return Errno.ENOSPC;
    }

    private Errno TryAllocIn(MetaTx tx, int ri, int from, int limit, BlockState state, out long block)
    {
        block = 0;
        var r = _rindex[ri];
        var e = tx.Read(r.HeaderBlock, BlockType.RgrpHeader, out var himg);
        if (!e.IsOk) return e;
        var h = new RgrpHeader(himg);
        if (h.Free <= 0) return Errno.OK;
        from = Math.Max(from, _freeHint[ri]);
        int per = RindexEntry.BlocksPerBitmap(BlockSize);
        while (from < limit)
        {
            int bi = from / per;
            e = tx.Read(r.HeaderBlock + 1 + bi, BlockType.Bitmap, out var bimg);
            if (!e.IsOk) return e;
            int end = Math.Min(limit, (bi + 1) * per);
            int found = Bitmap.FindFree(bimg, from - bi * per, end - bi * per);
            if (found >= 0)
            {
                int bit = bi * per + found;
                Bitmap.Set(bimg, found, state);
                tx.MarkDirty(r.HeaderBlock + 1 + bi);
                h.Free--;
                if (state == BlockState.Dinode) h.Dinodes++;
                tx.MarkDirty(r.HeaderBlock);
                if (_freeHint[ri] == bit) _freeHint[ri] = bit + 1;
                block = r.FirstDataBlock + bit;
                return Errno.OK;
            }
            if (_freeHint[ri] >= bi * per && _freeHint[ri] < end && from <= _freeHint[ri]) _freeHint[ri] = end;
            from = end;
        }
        return Errno.OK;
    }

    /// <summary>Reads the allocation state of data block <paramref name="block"/>. EUCLEAN when it is not a data block.</summary>
    internal Errno GetBlockState(MetaTx tx, long block, out BlockState state)
    {
        state = BlockState.Free;
        int ri = RgrpOf(block);
        if (ri < 0) return Corrupt($"block {block}: not inside any resource group");
        var r = _rindex[ri];
        int per = RindexEntry.BlocksPerBitmap(BlockSize);
        int bit = (int)(block - r.FirstDataBlock);
        var e = tx.Read(r.HeaderBlock + 1 + bit / per, BlockType.Bitmap, out var bimg);
        if (!e.IsOk) return e;
        state = Bitmap.Get(bimg, bit % per);
        return Errno.OK;
    }

    /// <summary>Changes the state of an allocated block (free it with <see cref="BlockState.Free"/>), keeping the
    /// rgrp counts right. Freeing an already free block is reported as corruption.</summary>
    internal Errno SetBlockState(MetaTx tx, long block, BlockState state)
    {
        int ri = RgrpOf(block);
        if (ri < 0) return Corrupt($"block {block}: not inside any resource group");
        var r = _rindex[ri];
        int per = RindexEntry.BlocksPerBitmap(BlockSize);
        int bit = (int)(block - r.FirstDataBlock);
        var e = tx.Read(r.HeaderBlock + 1 + bit / per, BlockType.Bitmap, out var bimg);
        if (!e.IsOk) return e;
        e = tx.Read(r.HeaderBlock, BlockType.RgrpHeader, out var himg);
        if (!e.IsOk) return e;
        var old = Bitmap.Get(bimg, bit % per);
        if (old == BlockState.Free && state != BlockState.Free)
            return Corrupt($"block {block}: expected allocated, bitmap says free");
        if (old == BlockState.Free) return Corrupt($"block {block}: freed twice (bitmap already free)");
        var h = new RgrpHeader(himg);
        Bitmap.Set(bimg, bit % per, state);
        if (old is BlockState.Dinode or BlockState.Unlinked) h.Dinodes--;
        if (old == BlockState.Unlinked) h.Unlinked--;
        if (state is BlockState.Dinode or BlockState.Unlinked) h.Dinodes++;
        if (state == BlockState.Unlinked) h.Unlinked++;
        if (state == BlockState.Free)
        {
            h.Free++;
            if (bit < _freeHint[ri]) _freeHint[ri] = bit;
            tx.Forget(block);
        }
        tx.MarkDirty(r.HeaderBlock);
        tx.MarkDirty(r.HeaderBlock + 1 + bit / per);
        return Errno.OK;
    }

    /// <summary>Frees <paramref name="block"/>. See <see cref="SetBlockState"/>.</summary>
    internal Errno FreeBlock(MetaTx tx, long block) => SetBlockState(tx, block, BlockState.Free);

    /// <summary>Free blocks over all rgrps (reads every rgrp header).</summary>
    public Errno CountFree(out long free)
    {
        lock (_opLock)
        {
            free = 0;
            var tx = new MetaTx(this);
            foreach (var r in _rindex)
            {
                var e = tx.Read(r.HeaderBlock, BlockType.RgrpHeader, out var himg);
                if (!e.IsOk) return e;
                free += new RgrpHeader(himg).Free;
            }
            return Errno.OK;
        }
    }
}
