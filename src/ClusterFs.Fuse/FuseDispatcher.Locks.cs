using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ClusterFs.Fuse.Native;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Fuse;

internal static unsafe partial class FuseDispatcher
{
    private const int LOCK_NB = 4;
    private const int LOCK_UN = 8;

    // Blocking lock requests in flight, by id: the interrupt callback cancels through this table
    // rather than through a pointer, because libfuse may run the callback concurrently with (or
    // just after) our reply, when a GCHandle would already be freed.
    private static readonly ConcurrentDictionary<nint, BlockingWait> s_waits = new();
    private static long s_nextWaitId;

    private sealed record BlockingWait(FuseSession Session, CancellationTokenSource Cancel, Thread Thread);

    [UnmanagedCallersOnly]
    private static void OnGetLk(nint req, ulong ino, FuseFileInfo* fi, NativeFlock* lk)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            FuseLock l = NativeConvert.ToLock(lk);
            Errno e = s.FileSystem.GetLk(Context(req), ino, NativeConvert.ToFile(fi), ref l);
            if (!e.IsOk)
            {
                ReplyErr(req, e);
                return;
            }
            NativeFlock outLock = default;
            NativeConvert.ToNative(l, &outLock);
            LibFuse.fuse_reply_lock(req, &outLock);
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnSetLk(nint req, ulong ino, FuseFileInfo* fi, NativeFlock* lk, int sleep)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            FuseContext ctx = Context(req);
            FuseFile file = NativeConvert.ToFile(fi);
            FuseLock l = NativeConvert.ToLock(lk);
            if (sleep == 0 || l.Type == FuseLock.Unlock)
            {
                ReplyErr(req, s.FileSystem.SetLk(ctx, ino, file, l, false, CancellationToken.None));
                return;
            }
            IFuseFileSystem fs = s.FileSystem;
            RunBlocking(req, s, "setlkw", token => fs.SetLk(ctx, ino, file, l, true, token));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    [UnmanagedCallersOnly]
    private static void OnFlock(nint req, ulong ino, FuseFileInfo* fi, int op)
    {
        FuseSession? s = null;
        try
        {
            s = Session(req);
            FuseContext ctx = Context(req);
            FuseFile file = NativeConvert.ToFile(fi);
            if ((op & (LOCK_NB | LOCK_UN)) != 0)
            {
                ReplyErr(req, s.FileSystem.Flock(ctx, ino, file, op, CancellationToken.None));
                return;
            }
            IFuseFileSystem fs = s.FileSystem;
            RunBlocking(req, s, "flock", token => fs.Flock(ctx, ino, file, op, token));
        }
        catch (Exception ex) { Fail(req, s, ex); }
    }

    /// <summary>
    /// Runs a lock wait on its own thread and replies from there, so a waiter never holds one of
    /// the loop's capped workers. An interrupt from the kernel (the caller got a signal) cancels it.
    /// </summary>
    private static void RunBlocking(nint req, FuseSession s, string op, Func<CancellationToken, Errno> wait)
    {
        nint id = (nint)Interlocked.Increment(ref s_nextWaitId);
        var cts = new CancellationTokenSource();
        var thread = new Thread(() =>
        {
            Errno e;
            try
            {
                e = wait(cts.Token);
            }
            catch (Exception ex)
            {
                s.Logger.LogError(ex, "FUSE {Op} threw; answering EIO", op);
                e = Errno.EIO;
            }
            // Reply before leaving the table: the session is not destroyed while we are in it.
            LibFuse.fuse_reply_err(req, e.Value);
            s_waits.TryRemove(id, out _);
        })
        {
            IsBackground = true,
            Name = "fuse-" + op,
        };
        s_waits[id] = new BlockingWait(s, cts, thread);
        // If the request was already interrupted this calls OnInterrupt right away; that is fine.
        LibFuse.fuse_req_interrupt_func(req, &OnInterrupt, (void*)id);
        thread.Start();
    }

    /// <summary>
    /// Cancels the session's blocking lock waits and waits (bounded) for each to send its reply;
    /// returns false if one is still running, in which case the session must not be destroyed.
    /// </summary>
    public static bool DrainBlocking(FuseSession s, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        List<BlockingWait> mine = s_waits.Values.Where(w => w.Session == s).ToList();
        foreach (BlockingWait w in mine)
            w.Cancel.Cancel();
        foreach (BlockingWait w in mine)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left < TimeSpan.Zero || !w.Thread.Join(left))
                return false;
        }
        return true;
    }

    [UnmanagedCallersOnly]
    private static void OnInterrupt(nint req, void* data)
    {
        try
        {
            if (s_waits.TryGetValue((nint)data, out BlockingWait? w))
                w.Cancel.Cancel();
        }
        catch
        {
            // Nothing may escape into libfuse; a lost interrupt only means the wait goes on.
        }
    }
}
