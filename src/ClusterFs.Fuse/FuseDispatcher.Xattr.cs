using System.Runtime.InteropServices;
using ClusterFs.Fuse.Native;

namespace ClusterFs.Fuse;

internal static unsafe partial class FuseDispatcher
{
    [UnmanagedCallersOnly]
    private static void OnSetXattr(nint req, ulong ino, byte* name, byte* value, nuint size, int flags)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            ReplyErr(req, s.FileSystem.SetXattr(Context(req), ino, Name(name), new ReadOnlySpan<byte>(value, checked((int)size)), flags));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnGetXattr(nint req, ulong ino, byte* name, nuint size)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            // size 0 is the caller's size probe: the filesystem sees an empty span and returns the length.
            byte* buf = s.Buffers.ThreadBuffer();
            int cap = (int)Math.Min(size, (nuint)s.Buffers.Size);
            long n = s.FileSystem.GetXattr(Context(req), ino, Name(name), new Span<byte>(buf, cap));
            ReplyXattr(req, s, n, size, buf, "getxattr");
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnListXattr(nint req, ulong ino, nuint size)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            byte* buf = s.Buffers.ThreadBuffer();
            int cap = (int)Math.Min(size, (nuint)s.Buffers.Size);
            long n = s.FileSystem.ListXattr(Context(req), ino, new Span<byte>(buf, cap));
            ReplyXattr(req, s, n, size, buf, "listxattr");
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnRemoveXattr(nint req, ulong ino, byte* name)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            ReplyErr(req, s.FileSystem.RemoveXattr(Context(req), ino, Name(name)));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    private static void ReplyXattr(nint req, FuseSession s, long n, nuint size, byte* buf, string op)
    {
        if (size == 0)
        {
            if (n < 0)
                ReplyErr(req, new ClusterFs.Iov.Errno((int)-n));
            else
                LibFuse.fuse_reply_xattr(req, (nuint)n);
            return;
        }
        if (CheckCount(req, s, n, (long)size, op))
            LibFuse.fuse_reply_buf(req, buf, (nuint)n);
    }
}
