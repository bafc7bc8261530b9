using System.Runtime.InteropServices;
using ClusterFs.Fuse.Native;
using ClusterFs.Iov;

namespace ClusterFs.Fuse;

internal static unsafe partial class FuseDispatcher
{
    [UnmanagedCallersOnly]
    private static void OnOpen(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            FuseOpenReply reply = SeedOpen(fi->Flags);
            Errno e = s.FileSystem.Open(Context(req), ino, fi->Flags, ref reply);
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
    private static void OnCreate(nint req, ulong parent, byte* name, uint mode, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            FuseOpenReply reply = SeedOpen(fi->Flags);
            Errno e = s.FileSystem.Create(Context(req), parent, Name(name), mode, fi->Flags, ref reply, out FuseEntry entry);
            if (!e.IsOk)
            {
                ReplyErr(req, e);
                return;
            }
            FuseEntryParam p = default;
            NativeConvert.ToNative(entry, ref p);
            NativeConvert.ToNative(reply, fi);
            LibFuse.fuse_reply_create(req, &p, fi);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnRead(nint req, ulong ino, nuint size, long off, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        byte* oversized = null;
        try
        {
            s = Session(req);
            byte* buf;
            if (size <= (nuint)s.Buffers.Size)
            {
                buf = s.Buffers.ThreadBuffer();
            }
            else
            {
                // Only if a kernel asks for more than max_read; never on the negotiated path.
                oversized = (byte*)NativeMemory.AlignedAlloc(size, 4096);
                buf = oversized;
            }
            long n = s.FileSystem.Read(Context(req), ino, NativeConvert.ToFile(fi), off, new Span<byte>(buf, checked((int)size)));
            if (CheckCount(req, s, n, (long)size, "read"))
                LibFuse.fuse_reply_buf(req, buf, (nuint)n);
        }
        catch (Exception ex) { Fail(req, s, ex); }
        finally
        {
            if (oversized != null)
                NativeMemory.AlignedFree(oversized);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnWrite(nint req, ulong ino, byte* buf, nuint size, long off, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            // buf points into libfuse's per-worker receive buffer: no copy, no allocation.
            long n = s.FileSystem.Write(Context(req), ino, NativeConvert.ToFile(fi), off, new ReadOnlySpan<byte>(buf, checked((int)size)));
            if (CheckCount(req, s, n, (long)size, "write"))
                LibFuse.fuse_reply_write(req, (nuint)n);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnFlush(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            ReplyErr(req, s.FileSystem.Flush(Context(req), ino, NativeConvert.ToFile(fi)));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnRelease(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            ReplyErr(req, s.FileSystem.Release(Context(req), ino, NativeConvert.ToFile(fi)));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnFsync(nint req, ulong ino, int datasync, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            ReplyErr(req, s.FileSystem.Fsync(Context(req), ino, NativeConvert.ToFile(fi), datasync != 0));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnFallocate(nint req, ulong ino, int mode, long offset, long length, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            ReplyErr(req, s.FileSystem.Fallocate(Context(req), ino, NativeConvert.ToFile(fi), mode, offset, length));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnLseek(nint req, ulong ino, long off, int whence, FuseFileInfo* fi)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            long r = s.FileSystem.Lseek(Context(req), ino, NativeConvert.ToFile(fi), off, whence);
            if (r < 0)
                ReplyErr(req, new Errno((int)-r));
            else
                LibFuse.fuse_reply_lseek(req, r);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnCopyFileRange(nint req, ulong inoIn, long offIn, FuseFileInfo* fiIn, ulong inoOut, long offOut, FuseFileInfo* fiOut, nuint len, int flags)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            long n = s.FileSystem.CopyFileRange(Context(req), inoIn, NativeConvert.ToFile(fiIn), offIn,
                inoOut, NativeConvert.ToFile(fiOut), offOut, (long)len, flags);
            if (CheckCount(req, s, n, (long)len, "copy_file_range"))
                LibFuse.fuse_reply_write(req, (nuint)n);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }
}
