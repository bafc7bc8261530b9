using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.Journal;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Fs.Node;

// Journal recovery: the lock manager reports a dead node; this node replays its journal under that journal's glock.
public sealed partial class FsNode
{
    private readonly object _recoveryLock = new(); // leaf: guards _recoveries and _recovered
    private readonly List<Task> _recoveries = new();
    private readonly List<(int Journal, Errno Result)> _recovered = new();

    /// <summary>Journals this node recovered, with the replay result, in completion order.</summary>
    public IReadOnlyList<(int Journal, Errno Result)> Recovered
    {
        get { lock (_recoveryLock) return _recovered.ToArray(); }
    }

    /// <summary>Waits (bounded) for the recoveries started so far. False on timeout.</summary>
    public bool WaitForRecoveries(TimeSpan timeout)
    {
        Task[] all;
        lock (_recoveryLock) all = _recoveries.ToArray();
        return Task.WaitAll(all, timeout);
    }

    // Called on a lock-manager thread, which must not block: the replay runs on the thread pool.
    private void OnRecoveryRequested(int journalId)
    {
        lock (_recoveryLock) _recoveries.Add(Task.Run(() => Recover(journalId)));
    }

    /// <summary>Replays journal <paramref name="journalId"/> under its journal glock EX (the dead node's lock was
    /// released by the lock manager), then tells the lock manager recovery is done.</summary>
    private void Recover(int journalId)
    {
        var gl = Glocks.Get((ulong)journalId, JournalGlockOperations.Instance);
        var gh = new GlockHolder(gl, LockState.Exclusive, GlockHolderFlags.NoExpire | GlockHolderFlags.NoCache);
        Errno result;
        var r = gh.Nq();
        if (r.IsOk)
        {
            var report = JournalReplay.Replay(Device, ExtentOf(Volume.Sb, journalId), () => gh.IsHolder);
            result = report.Error;
            _log.LogInformation("node {Name}: recovered journal {Jid}: {Result}, {Count} transactions", Name, journalId, result, report.TransactionsReplayed);
            gh.Dq();
            if (result.IsOk)
            {
                Glocks.LockManager.RecoveryDone(journalId);
                ReclaimUnlinked(); // the dead node's open unlinked files have no user left (unless another node has them)
            }
        }
        else result = r.Errno.IsOk ? Errno.EBUSY : r.Errno;
        gl.Put();
        lock (_recoveryLock) _recovered.Add((journalId, result));
    }
}
