using System.Collections.Concurrent;
using ClusterFs.Fuse;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Cli.Mount;

/// <summary>
/// Sends notify_inval_inode for inodes whose glock left a caching state, from its own thread: the glock's
/// Invalidate runs on the glock worker (possibly while a request handler for that inode waits on the glock), and
/// libfuse documents that a notify in the execution path of a related request can deadlock.
/// </summary>
internal sealed class InvalidationQueue : IDisposable
{
    private readonly BlockingCollection<ulong> _queue = new();
    private readonly Thread _thread;
    private readonly ILogger _log;
    private volatile FuseSession? _session;

    public InvalidationQueue(ILogger log)
    {
        _log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = "clusterfs-inval" };
        _thread.Start();
    }

    private long _sent;

    /// <summary>Notifications sent so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>The session to notify; until set, requests are dropped (nothing can be cached in a kernel yet).</summary>
    public void Attach(FuseSession? session) => _session = session;

    /// <summary>Queues <paramref name="fuseIno"/>; never blocks.</summary>
    public void Enqueue(ulong fuseIno)
    {
        if (_session is null) return;
        try { _queue.Add(fuseIno); }
        catch (InvalidOperationException) { } // completed: the mount is going away
    }

    private void Run()
    {
        foreach (ulong ino in _queue.GetConsumingEnumerable())
        {
            var session = _session;
            if (session is null) continue;
            try
            {
                // offset 0, length 0: every cached page and the attributes. ENOENT: the kernel has no such inode cached.
                var e = session.InvalidateInode(ino, 0, 0);
                Interlocked.Increment(ref _sent);
                if (!e.IsOk && e != Iov.Errno.ENOENT) _log.LogDebug("notify_inval_inode {Ino}: {Error}", ino, e);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
            {
                _log.LogDebug("notify_inval_inode {Ino} skipped: {Message}", ino, ex.Message);
            }
        }
    }

    /// <summary>Stops the thread after the queued notifications (bounded wait).</summary>
    public void Dispose()
    {
        _session = null;
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
    }
}
