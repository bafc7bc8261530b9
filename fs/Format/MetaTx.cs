using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

/// <summary>
/// The blocks one metadata operation reads and changes. Reads are verified (header, checksum) and
/// cached for the operation, so an operation sees its own changes; <see cref="Commit"/> seals every
/// dirty block (generation, checksum) and hands the images to one journal transaction. Not thread-safe:
/// one operation, one thread.
/// </summary>
internal sealed class MetaTx
{
    private readonly Volume _vol;
    private readonly Dictionary<long, byte[]> _blocks = [];
    private readonly HashSet<long> _dirty = [];
    // Dirty blocks in first-dirtied order, so the journal sees a deterministic sequence.
    private readonly List<long> _order = [];

    public MetaTx(Volume vol) => _vol = vol;

    public int DirtyCount => _dirty.Count;

    /// <summary>Reads metadata block <paramref name="block"/> of type <paramref name="type"/>. EUCLEAN (logged,
    /// naming the block) when it is out of range or fails verification; EIO on a device error.</summary>
    public Errno Read(long block, BlockType type, out byte[] image)
    {
        if (_blocks.TryGetValue(block, out image!))
        {
            if (MetaHeader.TypeOf(image) != type)
                return _vol.Corrupt($"block {block}: is a {MetaHeader.TypeOf(image)} block, expected {type}");
            return Errno.OK;
        }
        image = null!;
        if (block <= 0 || block >= _vol.Sb.BlockCount)
            return _vol.Corrupt($"block {block}: {type} pointer outside the filesystem (0..{_vol.Sb.BlockCount - 1})");
        var buf = new byte[_vol.BlockSize];
        var e = _vol.Device.Read(block * _vol.BlockSize, buf);
        if (!e.IsOk) return _vol.Failed(e, $"block {block}: device read failed: {e}");
        e = MetaHeader.Verify(buf, block, type, out var problem);
        if (!e.IsOk) return _vol.Corrupt(problem!);
        _blocks[block] = buf;
        image = buf;
        return Errno.OK;
    }

    /// <summary>A fresh, zeroed metadata image of <paramref name="type"/> for <paramref name="block"/>, already dirty.</summary>
    public byte[] Create(long block, BlockType type)
    {
        var buf = new byte[_vol.BlockSize];
        MetaHeader.Init(buf, type, block);
        _blocks[block] = buf;
        MarkDirty(block);
        return buf;
    }

    /// <summary>Records that the cached image of <paramref name="block"/> changed.</summary>
    public void MarkDirty(long block)
    {
        if (_dirty.Add(block)) _order.Add(block);
    }

    /// <summary>Forgets a block freed by this operation so it is not logged (a freed block's contents do not matter).</summary>
    public void Forget(long block)
    {
        _blocks.Remove(block);
        if (_dirty.Remove(block)) _order.Remove(block);
    }

    /// <summary>Seals and logs every dirty block in one journal transaction and commits it. EROFS on a read-only volume.</summary>
    public Errno Commit()
    {
        if (_dirty.Count == 0) return Errno.OK;
        if (_vol.Journal is null) return Errno.EROFS;
        using var tx = _vol.Journal.Begin();
        foreach (long b in _order)
        {
            var img = _blocks[b];
            MetaHeader.Seal(img, b);
            tx.Log(b, img);
        }
        var e = tx.Commit();
        if (!e.IsOk) return _vol.Failed(e, $"journal commit of {_order.Count} blocks failed: {e}");
        _dirty.Clear();
        _order.Clear();
        return Errno.OK;
    }
}
