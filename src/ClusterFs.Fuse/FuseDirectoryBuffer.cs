using System.Text;
using ClusterFs.Fuse.Native;

namespace ClusterFs.Fuse;

/// <summary>
/// The reply buffer of a readdir/readdirplus request: a window of the worker's reused native
/// buffer that entries are packed into with <c>fuse_add_direntry(_plus)</c>. Add returns false
/// (and adds nothing) once the next entry does not fit; stop there and return OK.
/// </summary>
public unsafe ref struct FuseDirectoryBuffer
{
    private const int MaxName = 255;
    private readonly nint _req;
    private readonly byte* _buf;
    private readonly nuint _size;
    private nuint _used;

    internal FuseDirectoryBuffer(nint req, byte* buf, nuint size)
    {
        _req = req;
        _buf = buf;
        _size = size;
        _used = 0;
    }

    /// <summary>Bytes packed so far.</summary>
    public readonly int Length => (int)_used;

    internal readonly byte* Pointer => _buf;

    /// <summary>Adds a readdir entry; only the inode number and the type bits of <paramref name="mode"/> are used.</summary>
    public bool Add(scoped ReadOnlySpan<byte> name, ulong ino, uint mode, long nextOffset)
    {
        byte* cname = stackalloc byte[MaxName + 1];
        CopyName(name, cname);
        NativeStat st = default;
        st.Ino = ino;
        st.Mode = mode;
        nuint need = LibFuse.fuse_add_direntry(_req, _buf + _used, _size - _used, cname, &st, nextOffset);
        if (need > _size - _used)
            return false;
        _used += need;
        return true;
    }

    /// <summary>Adds a readdir entry named by a string (UTF-8 encoded).</summary>
    public bool Add(string name, ulong ino, uint mode, long nextOffset)
    {
        Span<byte> utf8 = stackalloc byte[MaxName * 3];
        return Add(utf8[..Encoding.UTF8.GetBytes(name, utf8)], ino, mode, nextOffset);
    }

    /// <summary>
    /// Adds a readdirplus entry with full attributes. When it returns true and the name is not "."
    /// or "..", the kernel takes a lookup reference on <c>entry.Ino</c> (the filesystem must count it).
    /// </summary>
    public bool AddPlus(scoped ReadOnlySpan<byte> name, in FuseEntry entry, long nextOffset)
    {
        byte* cname = stackalloc byte[MaxName + 1];
        CopyName(name, cname);
        FuseEntryParam e = default;
        NativeConvert.ToNative(entry, ref e);
        nuint need = LibFuse.fuse_add_direntry_plus(_req, _buf + _used, _size - _used, cname, &e, nextOffset);
        if (need > _size - _used)
            return false;
        _used += need;
        return true;
    }

    /// <summary>Adds a readdirplus entry named by a string (UTF-8 encoded).</summary>
    public bool AddPlus(string name, in FuseEntry entry, long nextOffset)
    {
        Span<byte> utf8 = stackalloc byte[MaxName * 3];
        return AddPlus(utf8[..Encoding.UTF8.GetBytes(name, utf8)], entry, nextOffset);
    }

    private static void CopyName(ReadOnlySpan<byte> name, byte* dest)
    {
        if (name.Length > MaxName)
            throw new ArgumentException($"directory entry name is {name.Length} bytes; the limit is {MaxName}", nameof(name));
        name.CopyTo(new Span<byte>(dest, MaxName));
        dest[name.Length] = 0;
    }
}
