using ClusterFs.Iov;

namespace ClusterFs.Fs.Iomap;

/// <summary>
/// lseek SEEK_DATA / SEEK_HOLE over a filesystem's mappings (fs/iomap/seek.c). Holes and unwritten
/// (preallocated, never written) extents read as zeroes and count as holes; everything else is data.
/// </summary>
/// <remarks>Upstream also looks into the page cache over unwritten extents (dirty pages there are data);
/// ClusterFs writes unwritten extents back before the mapping changes type, so the mapping alone decides.</remarks>
public static class IomapSeek
{
    /// <summary>iomap_seek_data: the first offset at or after <paramref name="pos"/> that holds data.
    /// Returns that offset, -ENXIO when <paramref name="pos"/> is negative, at or beyond
    /// <paramref name="size"/>, or no data follows it, or the -errno of a failing Begin.</summary>
    public static long SeekData(IIomapOps ops, long size, long pos) => Seek(ops, size, pos, data: true);

    /// <summary>iomap_seek_hole: the first offset at or after <paramref name="pos"/> in a hole; the end of
    /// the file (<paramref name="size"/>) counts as one. Returns that offset, -ENXIO when
    /// <paramref name="pos"/> is negative or at/beyond <paramref name="size"/>, or the -errno of a failing Begin.</summary>
    public static long SeekHole(IIomapOps ops, long size, long pos) => Seek(ops, size, pos, data: false);

    private static long Seek(IIomapOps ops, long size, long pos, bool data)
    {
        ArgumentNullException.ThrowIfNull(ops);
        if (pos < 0 || pos >= size) return Errno.ENXIO.Negative;
        while (pos < size)
        {
            long length = size - pos;
            Errno err = ops.Begin(pos, length, IomapIterFlags.Report, out var map);
            if (!err.IsOk) return err.Negative;
            if (map.Offset > pos || map.Offset + map.Length <= pos)
                throw new InvalidOperationException(
                    $"IIomapOps.Begin({pos}, {length}) returned [{map.Offset}, +{map.Length}) which does not cover {pos}");
            long len = Math.Min(map.Offset + map.Length - pos, length);
            bool isHole = map.Type is IomapType.Hole or IomapType.Unwritten;
            bool found = data != isHole;
            err = ops.End(pos, len, found ? 0 : len, IomapIterFlags.Report, in map);
            if (found) return pos;
            if (!err.IsOk) return err.Negative;
            pos += len;
        }
        // Reached EOF: it is a (virtual) hole, and there is no data beyond it.
        return data ? Errno.ENXIO.Negative : size;
    }
}
