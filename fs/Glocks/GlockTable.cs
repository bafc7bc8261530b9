using System.Text;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Glocks;

/// <summary>
/// A node's glocks (gfs2's glock hash table for one superblock) and the receiver of its lock
/// manager's callbacks. Owns the glock workqueue. Lookup with <see cref="Get"/>; glocks stay cached
/// with their state after the last holder and reference are gone, until demoted or reclaimed.
/// </summary>
public sealed class GlockTable : ILockManagerCallbacks, IDisposable
{
    // Lock order: _lock -> Glock._lock -> GlockWorkQueue._lock.
    private readonly object _lock = new();
    private readonly Dictionary<LockName, Glock> _glocks = new();
    private readonly List<int> _recoveryRequests = new(); // guarded by _lock
    private volatile bool _withdrawn;
    private string? _withdrawReason;
    private bool _mounted;

    /// <summary>Creates the table for a node talking to <paramref name="lockManager"/>; call <see cref="Mount"/> before locking.</summary>
    public GlockTable(ILockManager lockManager, GlockTableOptions? options = null)
    {
        LockManager = lockManager ?? throw new ArgumentNullException(nameof(lockManager));
        Options = options ?? new GlockTableOptions();
        if (Options.MinHoldTime < TimeSpan.Zero)
            throw new ArgumentException("MinHoldTime must not be negative", nameof(options));
        WorkQueue = new GlockWorkQueue(Options.Clock, Options.NodeName);
    }

    public ILockManager LockManager { get; }

    public GlockTableOptions Options { get; }

    public GlockClock Clock => Options.Clock;

    internal GlockWorkQueue WorkQueue { get; }

    /// <summary>The journal id the lock manager assigned at <see cref="Mount"/>.</summary>
    public int JournalId { get; private set; } = -1;

    /// <summary>True once the node withdrew: every later enqueue fails with EIO.</summary>
    public bool IsWithdrawn => _withdrawn;

    public string? WithdrawReason
    {
        get { lock (_lock) return _withdrawReason; }
    }

    /// <summary>Journals the lock manager asked this node to recover, in order (a later layer replays them).</summary>
    public IReadOnlyList<int> RecoveryRequests
    {
        get { lock (_lock) return _recoveryRequests.ToArray(); }
    }

    /// <summary>Raised (on a lock-manager thread; must not block) when a journal needs recovery.</summary>
    public event Action<int>? JournalRecoveryRequested;

    /// <summary>A bug in work run on the glock worker (null if none): tests assert it stays null.</summary>
    public Exception? WorkerFailure => WorkQueue.Failure;

    /// <summary>Joins the lock space (see <see cref="ILockManager.Mount"/>). Returns OK or the lock manager's error; nothing is written.</summary>
    public Errno Mount(string lockTable, int journalCount, int requestedJournal = -1)
    {
        lock (_lock)
        {
            if (_mounted)
                return Errno.EBUSY;
        }
        Errno err = LockManager.Mount(lockTable, journalCount, requestedJournal, this, out int jid);
        if (!err.IsOk)
            return err;
        lock (_lock)
        {
            _mounted = true;
            JournalId = jid;
        }
        return Errno.OK;
    }

    /// <summary>
    /// Looks up the glock for (<paramref name="ops"/>.Type, <paramref name="number"/>), creating it at UN,
    /// and takes a reference (release with <see cref="Glock.Put"/>).
    /// </summary>
    public Glock Get(ulong number, IGlockOperations ops)
    {
        var name = new LockName((uint)ops.Type, number);
        lock (_lock)
        {
            if (!_glocks.TryGetValue(name, out var gl))
            {
                gl = new Glock(this, name, ops);
                _glocks.Add(name, gl);
            }
            else if (gl.Ops != ops)
            {
                throw new ArgumentException($"glock {name} exists with operations {gl.Ops.Name}, not {ops.Name}", nameof(ops));
            }
            gl.Hold();
            return gl;
        }
    }

    /// <summary>The cached glock for <paramref name="name"/>, or null; takes no reference.</summary>
    public Glock? Find(LockName name)
    {
        lock (_lock)
            return _glocks.GetValueOrDefault(name);
    }

    /// <summary>Number of glocks in the table.</summary>
    public int Count
    {
        get { lock (_lock) return _glocks.Count; }
    }

    /// <summary>
    /// The shrinker: starts a demote to UN of every cached glock without holders (at most
    /// <paramref name="maxDemotes"/>), and frees glocks that are UN, unreferenced and idle.
    /// Returns the number of glocks demoted plus freed. Demotes finish on the worker.
    /// </summary>
    public int Reclaim(int maxDemotes = int.MaxValue)
    {
        int done = 0;
        Glock[] all;
        lock (_lock)
        {
            foreach (var (name, gl) in _glocks.ToArray())
            {
                if (gl.IsFreeable() && !WorkQueue.IsQueued(gl))
                {
                    _glocks.Remove(name);
                    done++;
                }
            }
            all = _glocks.Values.OrderBy(g => g.Name.Number).ToArray(); // gfs2 sorts by number: disk order
        }
        foreach (var gl in all)
        {
            if (maxDemotes <= 0)
                break;
            if (gl.ReclaimDemote())
            {
                done++;
                maxDemotes--;
            }
        }
        return done;
    }

    /// <summary>Waits until the glock worker has nothing due or running. False on timeout.</summary>
    public bool WaitForIdle(TimeSpan timeout) => WorkQueue.WaitIdle(timeout);

    /// <summary>Stops all cluster I/O: later enqueues fail with EIO and current waiters are failed.</summary>
    public void Withdraw(string reason)
    {
        Glock[] all;
        lock (_lock)
        {
            if (_withdrawn)
                return;
            _withdrawReason = reason;
            _withdrawn = true;
            all = _glocks.Values.ToArray();
        }
        foreach (var gl in all)
            gl.FailWaitersForWithdraw();
    }

    /// <summary>The glocks file: every glock's lines (see docs/locking.md for the format), by type and number.</summary>
    public string Dump()
    {
        Glock[] all;
        lock (_lock)
            all = _glocks.Values.OrderBy(g => g.Name.Type).ThenBy(g => g.Name.Number).ToArray();
        var sb = new StringBuilder();
        foreach (var gl in all)
            gl.Dump(sb);
        return sb.ToString();
    }

    /// <summary>Demotes every glock to UN, waits (bounded) for the worker, and leaves the lock space.</summary>
    public void Unmount(TimeSpan? timeout = null)
    {
        lock (_lock)
        {
            if (!_mounted)
                return;
        }
        Glock[] all;
        lock (_lock)
            all = _glocks.Values.ToArray();
        foreach (var gl in all)
            gl.ReclaimDemote();
        WorkQueue.WaitIdle(timeout ?? TimeSpan.FromSeconds(10));
        LockManager.Unmount();
        lock (_lock)
            _mounted = false;
    }

    public void Dispose()
    {
        WorkQueue.Dispose();
    }

    void ILockManagerCallbacks.Completed(LockName name, LockState state, LockStatus status) =>
        FindOrThrow(name).Complete(state, status);

    void ILockManagerCallbacks.Blocking(LockName name, LockState wanted) =>
        Find(name)?.Blocking(wanted); // a reclaimed glock is UN: nothing to give up

    void ILockManagerCallbacks.RecoverJournal(int journalId)
    {
        lock (_lock)
            _recoveryRequests.Add(journalId);
        JournalRecoveryRequested?.Invoke(journalId);
    }

    void ILockManagerCallbacks.Withdraw(string reason) => Withdraw(reason);

    private Glock FindOrThrow(LockName name) =>
        Find(name) ?? throw new InvalidOperationException($"lock manager completed a request for unknown glock {name}");
}
