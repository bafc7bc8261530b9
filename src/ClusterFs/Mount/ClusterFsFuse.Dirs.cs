using System.Text;
using ClusterFs.Fs.Format;
using ClusterFs.Fuse;
using ClusterFs.Iov;

namespace ClusterFs.Cli.Mount;

// Directories, statfs and extended attributes.
public sealed partial class ClusterFsFuse
{
    private const int ReadDirBatch = 128;

    /// <inheritdoc/>
    public override Errno OpenDir(in FuseContext ctx, ulong ino, int flags, ref FuseOpenReply reply)
    {
        if (ino == ControlIno) return Errno.ENOTDIR;
        var e = Stat(ToCore(ino), out var attr);
        if (!e.IsOk) return e;
        return FileTypeBits.IsDir(attr.Mode) ? Errno.OK : Errno.ENOTDIR;
    }

    /// <summary>One batch of entries from cookie <paramref name="offset"/>, read under the meta glock.</summary>
    private Errno ReadEntries(ulong ino, long offset, List<DirEntry> entries)
    {
        using var meta = _node.LockMeta(out var e);
        if (!e.IsOk) return e;
        return _node.Volume.ReadDir(ToCore(ino), offset, ReadDirBatch, entries);
    }

    /// <inheritdoc/>
    public override Errno ReadDir(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ref FuseDirectoryBuffer buffer)
    {
        var entries = new List<DirEntry>();
        while (true)
        {
            entries.Clear();
            var e = ReadEntries(ino, offset, entries);
            if (!e.IsOk) return buffer.Length > 0 ? Errno.OK : e;
            if (entries.Count == 0) return Errno.OK;
            foreach (var d in entries)
            {
                if (!buffer.Add(d.Name, ToFuse(d.Ino), (uint)d.DType << 12, d.NextCookie)) return Errno.OK;
                offset = d.NextCookie;
            }
        }
    }

    /// <inheritdoc/>
    public override Errno ReadDirPlus(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ref FuseDirectoryBuffer buffer)
    {
        var entries = new List<DirEntry>();
        while (true)
        {
            entries.Clear();
            var e = ReadEntries(ino, offset, entries);
            if (!e.IsOk) return buffer.Length > 0 ? Errno.OK : e;
            if (entries.Count == 0) return Errno.OK;
            foreach (var d in entries)
            {
                bool dot = d.Name is "." or "..";
                FuseEntry entry;
                if (dot) entry = new FuseEntry { Attr = new FuseAttr { Ino = ToFuse(d.Ino), Mode = (uint)d.DType << 12 } };
                else
                {
                    // Stat outside the meta glock (lock order inode -> meta); an entry removed meanwhile is skipped.
                    if (!Stat(d.Ino, out var attr).IsOk) { offset = d.NextCookie; continue; }
                    entry = MakeEntry(attr, d.Ino);
                }
                if (!buffer.AddPlus(d.Name, entry, d.NextCookie)) return Errno.OK;
                if (!dot) AddLookup(d.Ino);
                offset = d.NextCookie;
            }
        }
    }

    /// <inheritdoc/>
    public override Errno FsyncDir(in FuseContext ctx, ulong ino, in FuseFile file, bool dataOnly) =>
        // Namespace changes are journalled as they happen; make the device durable.
        _node.Device.Flush();

    /// <inheritdoc/>
    public override Errno StatFs(in FuseContext ctx, ulong ino, out FuseStatFs stat)
    {
        stat = default;
        Errno e;
        long free;
        using (var meta = _node.LockMeta(out e))
        {
            if (!e.IsOk) return e;
            e = _node.Volume.CountFree(out free);
        }
        if (!e.IsOk) return e;
        ulong blocks = (ulong)_node.Volume.Sb.BlockCount;
        stat = new FuseStatFs
        {
            BlockSize = (ulong)_node.BlockSize,
            FragmentSize = (ulong)_node.BlockSize,
            Blocks = blocks,
            BlocksFree = (ulong)free,
            BlocksAvailable = (ulong)free,
            // Every dinode takes one block: the free blocks bound the inodes that can still be made.
            Files = blocks,
            FilesFree = (ulong)free,
            FilesAvailable = (ulong)free,
            FsId = (ulong)_node.Volume.Sb.Uuid.GetHashCode(),
            NameMax = 255,
        };
        return Errno.OK;
    }

    /// <inheritdoc/>
    public override Errno SetXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags)
    {
        if ((flags & ~3) != 0) return Errno.EINVAL;
        if (ino == ControlIno) return Errno.EACCES;
        using var meta = _node.LockMeta(out var e);
        return e.IsOk ? _node.Volume.SetXattr(ToCore(ino), Encoding.UTF8.GetString(name), value, (XattrFlags)flags) : e;
    }

    /// <inheritdoc/>
    public override long GetXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name, Span<byte> value)
    {
        if (ino == ControlIno) return Errno.ENODATA.Negative;
        using var meta = _node.LockMeta(out var e);
        return e.IsOk ? _node.Volume.GetXattr(ToCore(ino), Encoding.UTF8.GetString(name), value) : e.Negative;
    }

    /// <inheritdoc/>
    public override long ListXattr(in FuseContext ctx, ulong ino, Span<byte> list)
    {
        if (ino == ControlIno) return 0;
        using var meta = _node.LockMeta(out var e);
        return e.IsOk ? _node.Volume.ListXattr(ToCore(ino), list) : e.Negative;
    }

    /// <inheritdoc/>
    public override Errno RemoveXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name)
    {
        if (ino == ControlIno) return Errno.EACCES;
        using var meta = _node.LockMeta(out var e);
        return e.IsOk ? _node.Volume.RemoveXattr(ToCore(ino), Encoding.UTF8.GetString(name)) : e;
    }
}
