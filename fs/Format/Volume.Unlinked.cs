using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

// Finding dinodes left in state unlinked: they lost their last link while some node used them, and a crash (or an
// unmount) came before the last user freed them. gfs2 looks for them while allocating (try_rgrp_unlink).
public sealed partial class Volume
{
    /// <summary>
    /// Adds every dinode in state unlinked to <paramref name="inodes"/>. Only rgrps whose header counts an unlinked
    /// dinode have their bitmaps read. Reads only; the caller holds the meta glock.
    /// </summary>
    public Errno FindUnlinked(List<long> inodes)
    {
        ArgumentNullException.ThrowIfNull(inodes);
        var found = new List<long>();
        var e = Run(tx =>
        {
            int per = RindexEntry.BlocksPerBitmap(BlockSize);
            foreach (var r in _rindex)
            {
                var e = tx.Read(r.HeaderBlock, BlockType.RgrpHeader, out var himg);
                if (!e.IsOk) return e;
                if (new RgrpHeader(himg).Unlinked <= 0) continue;
                for (int bi = 0; bi * per < r.DataBlocks; bi++)
                {
                    e = tx.Read(r.HeaderBlock + 1 + bi, BlockType.Bitmap, out var bimg);
                    if (!e.IsOk) return e;
                    int end = Math.Min(per, r.DataBlocks - bi * per);
                    for (int bit = 0; bit < end; bit++)
                    {
                        if (Bitmap.Get(bimg, bit) == BlockState.Unlinked) found.Add(r.FirstDataBlock + (long)bi * per + bit);
                    }
                }
            }
            return Errno.OK;
        });
        if (e.IsOk) inodes.AddRange(found);
        return e;
    }
}
