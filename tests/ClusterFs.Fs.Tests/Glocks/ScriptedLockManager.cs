using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>
/// A one-node lock manager that answers every request synchronously inside Lock with what <see cref="Answer"/>
/// says (default: granted as asked), and records the requests: for replies a real manager gives only under
/// contention (a conversion deadlock's "granted unchanged", TryFailed).
/// </summary>
internal sealed class ScriptedLockManager : ILockManager
{
    private readonly List<(LockState From, LockState To, LockRequestFlags Flags)> _requests = new();
    private ILockManagerCallbacks? _callbacks;

    /// <summary>Decides the reply (state, status) to a request (from, to, flags).</summary>
    public Func<LockState, LockState, LockRequestFlags, (LockState, LockStatus)> Answer { get; set; } =
        (_, to, _) => (to, LockStatus.Granted);

    public IReadOnlyList<(LockState From, LockState To, LockRequestFlags Flags)> Requests
    {
        get { lock (_requests) return _requests.ToArray(); }
    }

    public string Protocol => "lock_scripted";

    public Errno Mount(string lockTable, int journalCount, int requestedJournal, ILockManagerCallbacks callbacks, out int journalId)
    {
        _callbacks = callbacks;
        journalId = 0;
        return Errno.OK;
    }

    public void Lock(LockName name, LockState current, LockState requested, LockRequestFlags flags)
    {
        lock (_requests) _requests.Add((current, requested, flags));
        var (state, status) = Answer(current, requested, flags);
        _callbacks!.Completed(name, state, status);
    }

    public void Cancel(LockName name) { }

    public void RecoveryDone(int journalId) { }

    public void Unmount() { }

    public void Dispose() { }
}
