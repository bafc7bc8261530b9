using System.Text;
using ClusterFs.Fuse;
using ClusterFs.Iov;

namespace ClusterFs.FusePassthrough;

/// <summary>
/// A minimal passthrough onto a backing directory, shaped like libfuse's passthrough_ll with its
/// default cache=auto (1 s timeouts, no keep_cache, open flags passed through): enough for fio
/// (lookup, getattr, setattr size/mode, create, open, read, write, flush, release, fsync, unlink,
/// statfs), so the two can be compared on the same jobs and the binding's overhead shows.
/// Inode numbers are the backing st_ino; the root is 1.
/// </summary>
internal sealed unsafe class PassthroughFs : FuseFileSystemBase
{
    private const double Timeout = 1.0;
    private const int O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100;

    // Guards _paths. Taken briefly on metadata operations only; data calls use the fd in fh.
    private readonly object _lock = new();
    private readonly Dictionary<ulong, byte[]> _paths = [];

    public PassthroughFs(string source) => _paths[1] = Z(Path.GetFullPath(source));

    public override Errno Lookup(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        entry = default;
        byte[]? path = Child(parent, name);
        if (path is null)
            return Errno.ENOENT;
        return Enter(path, out entry);
    }

    public override Errno GetAttr(in FuseContext ctx, ulong ino, in FuseFile file, out FuseAttr attr, out double attrTimeout)
    {
        attrTimeout = Timeout;
        attr = default;
        Posix.Stat st;
        int rc;
        if (file.HasHandle)
            rc = Posix.fstat((int)file.Handle, out st);
        else if (PathOf(ino) is byte[] p)
            fixed (byte* pp = p) rc = Posix.lstat(pp, out st);
        else
            return Errno.ENOENT;
        if (rc != 0)
            return new Errno(Posix.Errno);
        attr = ToAttr(st, ino);
        return Errno.OK;
    }

    public override Errno SetAttr(in FuseContext ctx, ulong ino, in FuseSetAttr changes, in FuseFile file, out FuseAttr attr, out double attrTimeout)
    {
        byte[]? p = PathOf(ino);
        if (p is null)
        {
            attr = default;
            attrTimeout = 0;
            return Errno.ENOENT;
        }
        fixed (byte* pp = p)
        {
            if (changes.Has(FuseSetAttrMask.Mode) && Posix.chmod(pp, changes.Mode & 0xFFF) != 0)
                return Fail(out attr, out attrTimeout);
            if (changes.Has(FuseSetAttrMask.Size)
                && (file.HasHandle ? Posix.ftruncate((int)file.Handle, changes.Size) : Posix.truncate(pp, changes.Size)) != 0)
                return Fail(out attr, out attrTimeout);
        }
        return GetAttr(ctx, ino, file, out attr, out attrTimeout);
    }

    public override Errno Create(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, int flags, ref FuseOpenReply reply, out FuseEntry entry)
    {
        entry = default;
        byte[]? path = Child(parent, name);
        if (path is null)
            return Errno.ENOENT;
        int fd;
        fixed (byte* pp = path)
            fd = Posix.open(pp, flags | O_CREAT, mode);
        if (fd < 0)
            return new Errno(Posix.Errno);
        reply.Handle = (ulong)fd;
        reply.Flags = FuseOpenFlags.None;
        return Enter(path, out entry);
    }

    public override Errno Open(in FuseContext ctx, ulong ino, int flags, ref FuseOpenReply reply)
    {
        if (PathOf(ino) is not byte[] p)
            return Errno.ENOENT;
        int fd;
        fixed (byte* pp = p)
            fd = Posix.open(pp, flags & ~(O_CREAT | O_EXCL | O_NOCTTY), 0);
        if (fd < 0)
            return new Errno(Posix.Errno);
        reply.Handle = (ulong)fd;
        // passthrough_ll cache=auto: no direct_io, no keep_cache; O_DIRECT went to the backing open.
        reply.Flags = FuseOpenFlags.None;
        return Errno.OK;
    }

    public override long Read(in FuseContext ctx, ulong ino, in FuseFile file, long offset, Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            nint n = Posix.pread((int)file.Handle, b, buffer.Length, offset);
            return n < 0 ? -Posix.Errno : n;
        }
    }

    public override long Write(in FuseContext ctx, ulong ino, in FuseFile file, long offset, ReadOnlySpan<byte> data)
    {
        fixed (byte* b = data)
        {
            nint n = Posix.pwrite((int)file.Handle, b, data.Length, offset);
            return n < 0 ? -Posix.Errno : n;
        }
    }

    public override Errno Flush(in FuseContext ctx, ulong ino, in FuseFile file) => Errno.OK;

    public override Errno Release(in FuseContext ctx, ulong ino, in FuseFile file)
    {
        Posix.close((int)file.Handle);
        return Errno.OK;
    }

    public override Errno Fsync(in FuseContext ctx, ulong ino, in FuseFile file, bool dataOnly)
        => Posix.fsync((int)file.Handle) == 0 ? Errno.OK : new Errno(Posix.Errno);

    public override Errno Unlink(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name)
    {
        byte[]? path = Child(parent, name);
        if (path is null)
            return Errno.ENOENT;
        fixed (byte* pp = path)
            return Posix.unlink(pp) == 0 ? Errno.OK : new Errno(Posix.Errno);
    }

    public override Errno StatFs(in FuseContext ctx, ulong ino, out FuseStatFs stat)
    {
        var d = new DriveInfo(Encoding.UTF8.GetString(_paths[1].AsSpan(0, _paths[1].Length - 1)));
        stat = new FuseStatFs
        {
            BlockSize = 4096,
            FragmentSize = 4096,
            Blocks = (ulong)d.TotalSize / 4096,
            BlocksFree = (ulong)d.TotalFreeSpace / 4096,
            BlocksAvailable = (ulong)d.AvailableFreeSpace / 4096,
            NameMax = 255,
        };
        return Errno.OK;
    }

    private Errno Enter(byte[] path, out FuseEntry entry)
    {
        entry = default;
        int rc;
        Posix.Stat st;
        fixed (byte* pp = path)
            rc = Posix.lstat(pp, out st);
        if (rc != 0)
            return new Errno(Posix.Errno);
        lock (_lock)
            _paths[st.Ino] = path;
        entry = new FuseEntry { Ino = st.Ino, Generation = 1, Attr = ToAttr(st, st.Ino), AttrTimeout = Timeout, EntryTimeout = Timeout };
        return Errno.OK;
    }

    private byte[]? PathOf(ulong ino)
    {
        lock (_lock)
            return _paths.GetValueOrDefault(ino);
    }

    private byte[]? Child(ulong parent, ReadOnlySpan<byte> name)
    {
        if (PathOf(parent) is not byte[] dir)
            return null;
        byte[] p = new byte[dir.Length + name.Length + 1];
        dir.AsSpan(0, dir.Length - 1).CopyTo(p);
        p[dir.Length - 1] = (byte)'/';
        name.CopyTo(p.AsSpan(dir.Length));
        return p; // trailing NUL from the allocation
    }

    private static FuseAttr ToAttr(in Posix.Stat st, ulong ino) => new()
    {
        Ino = ino,
        Mode = st.Mode,
        Nlink = st.Nlink,
        Uid = st.Uid,
        Gid = st.Gid,
        Rdev = st.Rdev,
        Size = st.Size,
        Blocks = st.Blocks,
        BlockSize = (int)st.BlkSize,
        Atime = new FuseTime(st.AtimeSec, st.AtimeNsec),
        Mtime = new FuseTime(st.MtimeSec, st.MtimeNsec),
        Ctime = new FuseTime(st.CtimeSec, st.CtimeNsec),
    };

    private static Errno Fail(out FuseAttr attr, out double attrTimeout)
    {
        attr = default;
        attrTimeout = 0;
        return new Errno(Posix.Errno);
    }

    private static byte[] Z(string s)
    {
        byte[] b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }
}
