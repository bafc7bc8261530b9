using System.Runtime.InteropServices;
using ClusterFs.Fuse.Native;
using ClusterFs.Iov;

namespace ClusterFs.Fuse;

internal static unsafe partial class FuseDispatcher
{
    [UnmanagedCallersOnly]
    private static void OnLookup(nint req, ulong parent, byte* name)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            Errno e = s.FileSystem.Lookup(Context(req), parent, Name(name), out FuseEntry entry);
            ReplyEntry(req, e, entry);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnForget(nint req, ulong ino, ulong nlookup)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            s.FileSystem.Forget(ino, nlookup);
            LibFuse.fuse_reply_none(req);
        }
        catch (Exception ex) { Fail(req, s, ex, noReply: true); }
    }

    [UnmanagedCallersOnly]
    private static void OnForgetMulti(nint req, nuint count, FuseForgetData* forgets)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            for (nuint i = 0; i < count; i++)
                s.FileSystem.Forget(forgets[i].Ino, forgets[i].Nlookup);
            LibFuse.fuse_reply_none(req);
        }
        catch (Exception ex) { Fail(req, s, ex, noReply: true); }
    }

    [UnmanagedCallersOnly]
    private static void OnGetAttr(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            Errno e = s.FileSystem.GetAttr(Context(req), ino, NativeConvert.ToFile(fi), out FuseAttr attr, out double timeout);
            ReplyAttr(req, e, attr, timeout);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnSetAttr(nint req, ulong ino, NativeStat* attr, int toSet, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            FuseSetAttr changes = NativeConvert.ToSetAttr(attr, toSet);
            Errno e = s.FileSystem.SetAttr(Context(req), ino, changes, NativeConvert.ToFile(fi), out FuseAttr result, out double timeout);
            ReplyAttr(req, e, result, timeout);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnReadLink(nint req, ulong ino)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            const int PathMax = 4096;
            byte* buf = s.Buffers.ThreadBuffer();
            long n = s.FileSystem.ReadLink(Context(req), ino, new Span<byte>(buf, PathMax));
            if (!CheckCount(req, s, n, PathMax - 1, "readlink"))
                return;
            buf[n] = 0;
            LibFuse.fuse_reply_readlink(req, buf);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnMkNod(nint req, ulong parent, byte* name, uint mode, ulong rdev)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            Errno e = s.FileSystem.MkNod(Context(req), parent, Name(name), mode, rdev, out FuseEntry entry);
            ReplyEntry(req, e, entry);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnMkDir(nint req, ulong parent, byte* name, uint mode)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            Errno e = s.FileSystem.MkDir(Context(req), parent, Name(name), mode, out FuseEntry entry);
            ReplyEntry(req, e, entry);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnUnlink(nint req, ulong parent, byte* name)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            ReplyErr(req, s.FileSystem.Unlink(Context(req), parent, Name(name)));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnRmDir(nint req, ulong parent, byte* name)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            ReplyErr(req, s.FileSystem.RmDir(Context(req), parent, Name(name)));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnSymLink(nint req, byte* link, ulong parent, byte* name)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            Errno e = s.FileSystem.SymLink(Context(req), Name(link), parent, Name(name), out FuseEntry entry);
            ReplyEntry(req, e, entry);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnRename(nint req, ulong parent, byte* name, ulong newParent, byte* newName, uint flags)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            ReplyErr(req, s.FileSystem.Rename(Context(req), parent, Name(name), newParent, Name(newName), (FuseRenameFlags)flags));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnLink(nint req, ulong ino, ulong newParent, byte* newName)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            Errno e = s.FileSystem.Link(Context(req), ino, newParent, Name(newName), out FuseEntry entry);
            ReplyEntry(req, e, entry);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnStatFs(nint req, ulong ino)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            Errno e = s.FileSystem.StatFs(Context(req), ino, out FuseStatFs st);
            if (!e.IsOk)
            {
                ReplyErr(req, e);
                return;
            }
            NativeStatVfs v = default;
            NativeConvert.ToNative(st, ref v);
            LibFuse.fuse_reply_statfs(req, &v);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }
}
