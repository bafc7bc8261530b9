using System.Diagnostics;
using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// "lock_etcd": cluster locking through a real etcd (v3 JSON gateway). Membership is a lease per node with
/// keep-alive; lock state is keys bound to that lease (see <see cref="EtcdLockKeys"/>); a request is a waiter
/// key whose create revision fixes its place in the queue, granted by a txn once it is compatible with every
/// other holder and no earlier waiter wants an incompatible state; holders learn about waiters through one
/// watch on the lock space (blocking callbacks). A node that cannot renew its lease withdraws a safety margin
/// before etcd expires the lease, so before any other node can be granted its locks. Survivors see the dead
/// node's member key vanish; one of them claims its journal through a txn and gets RecoverJournal.
/// </summary>
/// <remarks>
/// Conversion deadlock: a node converting from a held state that an earlier waiter cannot coexist with (for
/// example SH to EX while another node waits for EX) can never be granted, because the glock layer will not
/// drop the held state while its request is outstanding. Like the DLM's -EDEADLK reply in gdlm_ast, such a
/// request completes at once as Granted in the unchanged current state; the glock layer then goes to UN and
/// retries (finish_xmote). Any etcd failure while serving a request withdraws the node: the outcome of the
/// write is unknown, so neither the caller nor the cluster can trust this node's lock state any more.
/// Journal recovery does not hold back other lock requests; replay runs under the journal's own glock.
/// </remarks>
public sealed partial class EtcdLockManager : ILockManager
{
    private readonly EtcdLockManagerOptions _options;
    private readonly EtcdClient _client;

    // Lock order: _lock is a leaf; callbacks to the glock layer are always made without it.
    private readonly Lock _lock = new();
    private readonly Dictionary<LockName, EtcdLockView> _views = new(); // under _lock
    private readonly Dictionary<LockName, EtcdPendingRequest> _pending = new(); // under _lock
    private readonly Dictionary<LockName, OwnWrite> _ownWrites = new(); // under _lock: this node's last write per lock, until the view shows it
    private readonly HashSet<string> _members = new(StringComparer.Ordinal); // under _lock
    private long _viewRevision; // under _lock

    private readonly CancellationTokenSource _shutdown = new();
    private EtcdLockKeys? _keys;
    private ILockManagerCallbacks? _callbacks;
    private EtcdWatch? _watch;
    private Task? _leaseTask;
    private int _withdrawn;
    private int _state; // 0 new, 1 mounted, 2 unmounted
    private long _fastGrants;
    private readonly EtcdPosixLockTable _plocks;

    /// <summary>Creates a manager for the etcd at <see cref="EtcdLockManagerOptions.Endpoint"/>; nothing is contacted until <see cref="Mount"/>.</summary>
    public EtcdLockManager(EtcdLockManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.LeaseTtlSeconds < 2) throw new ArgumentException("the lease TTL must be at least 2 s", nameof(options));
        if (options.EffectiveMargin <= TimeSpan.Zero || options.EffectiveMargin >= options.LeaseTtl)
            throw new ArgumentException("the safety margin must lie between 0 and the lease TTL", nameof(options));
        _options = options;
        _client = new EtcdClient(options.Endpoint, options.RequestTimeout);
        _plocks = new EtcdPosixLockTable(this);
    }

    /// <inheritdoc />
    /// <remarks>Keys bound to this node's lease (<see cref="EtcdPosixLockTable"/>); EIO before mount and after unmount or withdrawal.</remarks>
    public IPosixLockTable PosixLocks => _plocks;

    /// <summary>Completes once at least <paramref name="count"/> F_SETLKW requests of this node are blocked (for tests).</summary>
    internal Task WaitForPosixLockWaitersAsync(int count, CancellationToken ct) => _plocks.WaitForWaitersAsync(count, ct);

    internal EtcdClient Client => _client;

    internal EtcdLockKeys? Keys => _keys;

    /// <summary>Cancelled when the node unmounts or withdraws.</summary>
    internal CancellationToken ShutdownToken => _shutdown.Token;

    /// <summary>True between a successful mount and unmount.</summary>
    internal bool IsMounted => Volatile.Read(ref _state) == 1 && LeaseId != 0;

    /// <inheritdoc />
    public string Protocol => "lock_etcd";

    /// <summary>The last error this manager reported (mount refusal, etcd failure, withdraw reason), or "".</summary>
    public string LastError { get; private set; } = "";

    /// <summary>True once the node has withdrawn: every later request completes with <see cref="LockStatus.Error"/>.</summary>
    public bool IsWithdrawn => Volatile.Read(ref _withdrawn) != 0;

    /// <summary>This node's name in the lock space (its lease id in hex); "" before mount.</summary>
    public string NodeId { get; private set; } = "";

    /// <summary>The journal id assigned at mount; -1 before.</summary>
    public int JournalId { get; private set; } = -1;

    /// <summary>Requests granted by the uncontended fast path (one txn, never queued).</summary>
    internal long FastGrants => Interlocked.Read(ref _fastGrants);

    /// <summary>The etcd lease that carries this node's membership and locks; 0 before mount.</summary>
    internal long LeaseId { get; private set; }

    /// <inheritdoc />
    public void Lock(LockName name, LockState current, LockState requested, LockRequestFlags flags)
    {
        var callbacks = _callbacks ?? throw new InvalidOperationException("Lock before Mount");
        var r = new EtcdPendingRequest(name, current, requested, flags);
        bool refused;
        lock (_lock)
        {
            if (_pending.ContainsKey(name))
                throw new InvalidOperationException($"lock {name}: a request is already outstanding");
            refused = IsWithdrawn || Volatile.Read(ref _state) != 1;
            if (!refused) _pending[name] = r;
        }
        if (refused)
        {
            callbacks.Completed(name, current, LockStatus.Error);
            return;
        }
        _ = Task.Run(() => RunRequestAsync(r));
    }

    /// <inheritdoc />
    public void Cancel(LockName name)
    {
        EtcdPendingRequest? r;
        lock (_lock) _pending.TryGetValue(name, out r);
        if (r == null) return;
        r.CancelRequested = true;
        r.Changed.Set();
    }

    /// <inheritdoc />
    public void RecoveryDone(int journalId)
    {
        var keys = _keys;
        if (keys == null || IsWithdrawn) return;
        var r = _client.TxnAsync([EtcdCompare.ValueEquals(keys.Journal(journalId), "R:" + NodeId)],
            [EtcdOp.Delete(keys.Journal(journalId))]).GetAwaiter().GetResult();
        if (!r.IsOk) LastError = $"recovery of journal {journalId} not recorded: {r.Message}";
    }

    /// <inheritdoc />
    public void Unmount()
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1) return;
        _shutdown.Cancel();
        _watch?.Dispose();
        // The node leaves: an outstanding request can never be granted. Error, not Canceled (docs/locking.md):
        // Canceled means "the caller asked", and the glock layer would retry a canceled demote.
        FailPending(LockStatus.Error);
        if (!IsWithdrawn && _keys != null)
        {
            // The journal goes first: survivors that see the member key vanish then find nothing to recover.
            _client.TxnAsync([EtcdCompare.ValueEquals(_keys.Journal(JournalId), "O:" + NodeId)],
                [EtcdOp.Delete(_keys.Journal(JournalId))]).GetAwaiter().GetResult();
            var revoked = _client.LeaseRevokeAsync(LeaseId).GetAwaiter().GetResult();
            if (!revoked.IsOk) LastError = $"unmount: {revoked.Message}";
        }
        try
        {
            _leaseTask?.Wait(_options.RequestTimeout * 2);
        }
        catch (AggregateException)
        {
            // The lease task ends through cancellation; nothing to report.
        }
    }

    /// <summary>Unmounts (releasing every lock) and releases the HTTP client.</summary>
    public void Dispose()
    {
        Unmount();
        Interlocked.Exchange(ref _state, 2);
        _shutdown.Cancel();
        _watch?.Dispose();
        _client.Dispose();
    }

    /// <summary>
    /// Leaves the cluster for good after a failure: stops keep-alives (so the lease expires and survivors
    /// recover this node's journal), fails every outstanding and later request, and tells the node. Once only.
    /// </summary>
    private void Withdraw(string reason)
    {
        if (Interlocked.Exchange(ref _withdrawn, 1) != 0) return;
        LastError = reason;
        // The node first, then its requests (cancelling _shutdown already completes those waiting on it): a waiter
        // that sees EIO must find the node withdrawn, or a retry could be served from a fenced node's cached state.
        _callbacks?.Withdraw(reason);
        _shutdown.Cancel();
        _watch?.Dispose();
        FailPending(LockStatus.Error);
    }

    /// <summary>Completes every outstanding request with <paramref name="status"/> in its current state.</summary>
    private void FailPending(LockStatus status)
    {
        List<EtcdPendingRequest> all;
        lock (_lock)
        {
            all = [.. _pending.Values];
            _pending.Clear();
        }
        foreach (var r in all) Complete(r, r.Current, status);
    }

    /// <summary>Delivers the one Completed callback of <paramref name="r"/> (later calls do nothing) and forgets the request.</summary>
    private void Complete(EtcdPendingRequest r, LockState state, LockStatus status)
    {
        if (!r.TryMarkCompleted()) return;
        lock (_lock)
        {
            if (_pending.TryGetValue(r.Name, out var p) && p == r) _pending.Remove(r.Name);
            DropViewIfUnusedLocked(r.Name);
        }
        _callbacks!.Completed(r.Name, state, status);
    }

    private void DropViewIfUnusedLocked(LockName name)
    {
        if (_views.TryGetValue(name, out var v) && v.IsEmpty && !_pending.ContainsKey(name)) _views.Remove(name);
    }

    private static long Now() => Stopwatch.GetTimestamp();
}
