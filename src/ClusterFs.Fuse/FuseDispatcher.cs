using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ClusterFs.Fuse.Native;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Fuse;

/// <summary>
/// The libfuse request handlers: static [UnmanagedCallersOnly] callbacks that find the session
/// through the request's userdata, call the filesystem, and send exactly one reply. Each handler
/// has one catch-all that logs and answers EIO, so no exception crosses into native code; replies
/// are always the last statement, so the catch never answers a request twice.
/// </summary>
internal static unsafe partial class FuseDispatcher
{
    private const int O_DIRECT = 0x4000; // 040000 octal on x86_64

    /// <summary>Allocates and fills the native operations table (freed by the session).</summary>
    public static FuseLowLevelOps* CreateOps()
    {
        var ops = (FuseLowLevelOps*)NativeMemory.AllocZeroed((nuint)sizeof(FuseLowLevelOps));
        ops->Init = &OnInit;
        ops->Destroy = &OnDestroy;
        ops->Lookup = &OnLookup;
        ops->Forget = &OnForget;
        ops->ForgetMulti = &OnForgetMulti;
        ops->GetAttr = &OnGetAttr;
        ops->SetAttr = &OnSetAttr;
        ops->ReadLink = &OnReadLink;
        ops->MkNod = &OnMkNod;
        ops->MkDir = &OnMkDir;
        ops->Unlink = &OnUnlink;
        ops->RmDir = &OnRmDir;
        ops->SymLink = &OnSymLink;
        ops->Rename = &OnRename;
        ops->Link = &OnLink;
        ops->StatFs = &OnStatFs;
        ops->Open = &OnOpen;
        ops->Create = &OnCreate;
        ops->Read = &OnRead;
        ops->Write = &OnWrite;
        ops->Flush = &OnFlush;
        ops->Release = &OnRelease;
        ops->Fsync = &OnFsync;
        ops->Fallocate = &OnFallocate;
        ops->Lseek = &OnLseek;
        ops->CopyFileRange = &OnCopyFileRange;
        ops->OpenDir = &OnOpenDir;
        ops->ReadDir = &OnReadDir;
        ops->ReadDirPlus = &OnReadDirPlus;
        ops->ReleaseDir = &OnReleaseDir;
        ops->FsyncDir = &OnFsyncDir;
        ops->SetXattr = &OnSetXattr;
        ops->GetXattr = &OnGetXattr;
        ops->ListXattr = &OnListXattr;
        ops->RemoveXattr = &OnRemoveXattr;
        ops->GetLk = &OnGetLk;
        ops->SetLk = &OnSetLk;
        ops->Flock = &OnFlock;
        return ops;
    }

    [UnmanagedCallersOnly]
    private static void OnInit(nint userdata, FuseConnInfo* conn)
    {
        FuseSession? s = null;
        try
        {
            s = FuseSession.FromUserdata((void*)userdata);
            FuseSessionOptions o = s.Options;
            var c = new FuseConnection
            {
                ProtoMajor = conn->ProtoMajor,
                ProtoMinor = conn->ProtoMinor,
                Capable = (FuseCapabilities)conn->Capable,
                Want = (FuseCapabilities)conn->Want,
                MaxWrite = o.MaxWrite,
                MaxRead = conn->MaxRead,
                MaxReadahead = conn->MaxReadahead,
                MaxBackground = conn->MaxBackground,
                CongestionThreshold = conn->CongestionThreshold,
                TimeGranularity = conn->TimeGran,
            };
            // The binding's defaults; the filesystem's Init below has the last word.
            if (o.AsyncRead) c.Request(FuseCapabilities.AsyncRead); else c.Drop(FuseCapabilities.AsyncRead);
            if (o.WritebackCache) c.Request(FuseCapabilities.WritebackCache); else c.Drop(FuseCapabilities.WritebackCache);
            if (!o.Splice) c.Drop(FuseCapabilities.SpliceRead | FuseCapabilities.SpliceWrite | FuseCapabilities.SpliceMove);
            c.Request(FuseCapabilities.ParallelDirops | FuseCapabilities.AsyncDio);
            s.FileSystem.Init(c);
            conn->Want = (uint)(c.Want & c.Capable);
            conn->MaxWrite = c.MaxWrite;
            conn->MaxReadahead = c.MaxReadahead;
            conn->MaxBackground = c.MaxBackground;
            conn->CongestionThreshold = c.CongestionThreshold;
            conn->TimeGran = c.TimeGranularity;
            s.Connection = c;
            s.MarkInitialized();
        }
        catch (Exception ex)
        {
            // init has no reply of its own; libfuse answers INIT after we return.
            s?.Logger.LogError(ex, "FUSE init failed in the filesystem");
            s?.MarkInitialized();
        }
    }

    [UnmanagedCallersOnly]
    private static void OnDestroy(nint userdata)
    {
        FuseSession? s = null;
        try
        {
            s = FuseSession.FromUserdata((void*)userdata);
            s.FileSystem.Destroy();
        }
        catch (Exception ex)
        {
            s?.Logger.LogError(ex, "FUSE destroy failed in the filesystem");
        }
    }

    // Set on every libfuse worker thread at its first request. Managed code runs on those threads
    // only inside a request handler, so "on a worker" means "inside a handler".
    [ThreadStatic] private static bool t_onWorker;

    /// <summary>True when the calling thread is a libfuse worker, i.e. inside a request handler.</summary>
    public static bool OnWorkerThread => t_onWorker;

    private static FuseSession Session(nint req)
    {
        t_onWorker = true;
        return FuseSession.FromUserdata(LibFuse.fuse_req_userdata(req));
    }

    private static FuseContext Context(nint req)
    {
        FuseCtx* c = LibFuse.fuse_req_ctx(req);
        return new FuseContext(c->Uid, c->Gid, c->Pid, c->Umask);
    }

    private static ReadOnlySpan<byte> Name(byte* name) => MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name);

    private static void ReplyErr(nint req, Errno e) => LibFuse.fuse_reply_err(req, e.Value);

    private static void ReplyEntry(nint req, Errno e, in FuseEntry entry)
    {
        if (!e.IsOk)
        {
            ReplyErr(req, e);
            return;
        }
        FuseEntryParam p = default;
        NativeConvert.ToNative(entry, ref p);
        LibFuse.fuse_reply_entry(req, &p);
    }

    private static void ReplyAttr(nint req, Errno e, in FuseAttr attr, double timeout)
    {
        if (!e.IsOk)
        {
            ReplyErr(req, e);
            return;
        }
        NativeStat st = default;
        NativeConvert.ToNative(attr, ref st);
        LibFuse.fuse_reply_attr(req, &st, timeout);
    }

    /// <summary>Replies to a "count or -errno" result with <paramref name="ok"/>, checking the count is in range.</summary>
    private static bool CheckCount(nint req, FuseSession s, long n, long max, string op)
    {
        if (n < 0)
        {
            ReplyErr(req, new Errno((int)-n));
            return false;
        }
        if (n > max)
        {
            s.Logger.LogError("FUSE {Op}: the filesystem returned {N} bytes for a {Max}-byte request", op, n, max);
            ReplyErr(req, Errno.EIO);
            return false;
        }
        return true;
    }

    /// <summary>The one catch-all: log and answer EIO (or nothing, for forget).</summary>
    private static void Fail(nint req, FuseSession? s, Exception ex, bool noReply = false, [CallerMemberName] string op = "")
    {
        try
        {
            s?.Logger.LogError(ex, "FUSE {Op} threw; answering EIO", op);
        }
        catch
        {
            // A failing logger must not keep the request from being answered.
        }
        if (noReply)
            LibFuse.fuse_reply_none(req);
        else
            LibFuse.fuse_reply_err(req, Errno.EIO.Value);
    }

    private static FuseOpenReply SeedOpen(int flags) => new()
    {
        Flags = (flags & O_DIRECT) != 0 ? FuseOpenFlags.DirectIo : FuseOpenFlags.None,
    };
}
