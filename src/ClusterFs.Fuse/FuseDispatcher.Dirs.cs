using System.Runtime.InteropServices;
using ClusterFs.Fuse.Native;
using ClusterFs.Iov;

namespace ClusterFs.Fuse;

internal static unsafe partial class FuseDispatcher
{
    [UnmanagedCallersOnly]
    private static void OnOpenDir(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            FuseOpenReply reply = default;
            Errno e = s.FileSystem.OpenDir(Context(req), ino, fi->Flags, ref reply);
            if (!e.IsOk)
            {
                ReplyErr(req, e);
                return;
            }
            NativeConvert.ToNative(reply, fi);
            LibFuse.fuse_reply_open(req, fi);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnReadDir(nint req, ulong ino, nuint size, long off, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            var buffer = new FuseDirectoryBuffer(req, s.Buffers.ThreadBuffer(), Math.Min(size, (nuint)s.Buffers.Size));
            Errno e = s.FileSystem.ReadDir(Context(req), ino, NativeConvert.ToFile(fi), off, ref buffer);
            if (e.IsOk)
                LibFuse.fuse_reply_buf(req, buffer.Pointer, (nuint)buffer.Length);
            else
                ReplyErr(req, e);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnReadDirPlus(nint req, ulong ino, nuint size, long off, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            var buffer = new FuseDirectoryBuffer(req, s.Buffers.ThreadBuffer(), Math.Min(size, (nuint)s.Buffers.Size));
            Errno e = s.FileSystem.ReadDirPlus(Context(req), ino, NativeConvert.ToFile(fi), off, ref buffer);
            if (e.IsOk)
                LibFuse.fuse_reply_buf(req, buffer.Pointer, (nuint)buffer.Length);
            else
                ReplyErr(req, e);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnReleaseDir(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            ReplyErr(req, s.FileSystem.ReleaseDir(Context(req), ino, NativeConvert.ToFile(fi)));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnFsyncDir(nint req, ulong ino, int datasync, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            ReplyErr(req, s.FileSystem.FsyncDir(Context(req), ino, NativeConvert.ToFile(fi), datasync != 0));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }
}
