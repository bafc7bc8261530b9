using System.Text;
using ClusterFs.Iov;

namespace ClusterFs.Fuse.Tests.Doubles;

internal sealed partial class MemoryFs
{
    private const int XATTR_CREATE = 1;
    private const int XATTR_REPLACE = 2;

    public override Errno SetXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags)
    {
        string n = Encoding.UTF8.GetString(name);
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT;
            bool exists = i.Xattrs.ContainsKey(n);
            if ((flags & XATTR_CREATE) != 0 && exists)
                return Errno.EEXIST;
            if ((flags & XATTR_REPLACE) != 0 && !exists)
                return Errno.ENODATA;
            i.Xattrs[n] = value.ToArray();
            i.Ctime = FuseTime.Now;
            return Errno.OK;
        }
    }

    public override long GetXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name, Span<byte> value)
    {
        string n = Encoding.UTF8.GetString(name);
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT.Negative;
            if (!i.Xattrs.TryGetValue(n, out byte[]? v))
                return Errno.ENODATA.Negative;
            if (value.IsEmpty)
                return v.Length;
            if (v.Length > value.Length)
                return Errno.ERANGE.Negative;
            v.CopyTo(value);
            return v.Length;
        }
    }

    public override long ListXattr(in FuseContext ctx, ulong ino, Span<byte> list)
    {
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT.Negative;
            var all = new List<byte>();
            foreach (string k in i.Xattrs.Keys.Order(StringComparer.Ordinal))
            {
                all.AddRange(Encoding.UTF8.GetBytes(k));
                all.Add(0);
            }
            if (list.IsEmpty)
                return all.Count;
            if (all.Count > list.Length)
                return Errno.ERANGE.Negative;
            all.ToArray().CopyTo(list);
            return all.Count;
        }
    }

    public override Errno RemoveXattr(in FuseContext ctx, ulong ino, ReadOnlySpan<byte> name)
    {
        string n = Encoding.UTF8.GetString(name);
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT;
            return i.Xattrs.Remove(n) ? Errno.OK : Errno.ENODATA;
        }
    }
}
