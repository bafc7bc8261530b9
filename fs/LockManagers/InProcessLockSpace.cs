using ClusterFs.Fs.LockManagers.Plocks;
using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers;

/// <summary>
/// A lock space shared by several nodes in one process ("lock_inproc"): a small DLM. Requests are
/// granted in FIFO order when compatible with every other node's grant (conversions of a node that
/// already holds the lock go first, as in the DLM); a waiting request sends each incompatible holder
/// one blocking callback. A node can be declared dead: its locks are released, its journal is marked
/// for recovery, survivors are told to recover it, and new requests (except NoExpire) wait until
/// <see cref="ILockManager.RecoveryDone"/>. Callbacks are delivered after the space's lock is
/// released, on the thread that caused them (possibly inside <see cref="ILockManager.Lock"/>). POSIX record locks
/// of all nodes live in one <see cref="PosixLocks"/> table; a node that leaves or is declared dead loses its locks.
/// </summary>
public sealed class InProcessLockSpace
{
    // Never held while calling into a node. Lock order: _lock -> the PosixLocks table's lock.
    private readonly object _lock = new();
    private readonly Dictionary<LockName, InProcessLockResource> _resources = new();
    private readonly Dictionary<int, InProcessNode> _nodes = new();
    private readonly SortedSet<int> _recovering = new();

    /// <summary>Creates the space for <paramref name="lockTable"/> ("cluster:fsname") with <paramref name="journalCount"/> journals.</summary>
    public InProcessLockSpace(string lockTable, int journalCount)
    {
        if (!LockTableName.IsValid(lockTable))
            throw new ArgumentException($"lock table '{lockTable}' is not of the form cluster:fsname", nameof(lockTable));
        if (journalCount < 1)
            throw new ArgumentOutOfRangeException(nameof(journalCount), "a lock space needs at least one journal");
        LockTable = lockTable;
        JournalCount = journalCount;
    }

    public string LockTable { get; }

    /// <summary>The POSIX record locks of every node of the space (each manager's <see cref="ILockManager.PosixLocks"/> is a view of it).</summary>
    public PosixLockSpace PosixLocks { get; } = new();

    public int JournalCount { get; }

    /// <summary>A new, unmounted node of this space.</summary>
    public InProcessLockManager CreateManager() => new(this);

    /// <summary>Journal ids of the mounted, live nodes.</summary>
    public IReadOnlyList<int> LiveJournals
    {
        get { lock (_lock) return _nodes.Keys.Order().ToArray(); }
    }

    /// <summary>Journals of dead nodes not yet reported recovered.</summary>
    public IReadOnlyList<int> JournalsNeedingRecovery
    {
        get { lock (_lock) return _recovering.ToArray(); }
    }

    /// <summary>The granted states of <paramref name="name"/> by journal id (for checks and tests).</summary>
    public IReadOnlyDictionary<int, LockState> GrantedStates(LockName name)
    {
        lock (_lock)
        {
            return _resources.TryGetValue(name, out var res)
                ? res.Granted.ToDictionary(kv => kv.Key.JournalId, kv => kv.Value)
                : new Dictionary<int, LockState>();
        }
    }

    /// <summary>
    /// Declares the node with <paramref name="journalId"/> dead: its grants and waiting requests are
    /// dropped, it is told to withdraw, survivors are told to recover its journal. False if no such node.
    /// </summary>
    public bool KillNode(int journalId)
    {
        var outbox = new List<Callback>();
        lock (_lock)
        {
            if (!_nodes.Remove(journalId, out var node))
                return false;
            node.Dead = true;
            PosixLocks.DropNode(journalId);
            _recovering.Add(journalId);
            // Withdraw before the Error completions: a waiter that sees EIO finds its node already withdrawn.
            outbox.Add(Callback.Withdraw(node, "declared dead by the in-process lock space"));
            DropNodeLocked(node, outbox);
            foreach (var survivor in _nodes.Values)
                outbox.Add(Callback.Recover(survivor, journalId));
            ProcessAllLocked(outbox);
        }
        Deliver(outbox);
        return true;
    }

    internal Errno Join(string lockTable, int journalCount, int requested, ILockManagerCallbacks callbacks, out InProcessNode? node)
    {
        node = null;
        if (!LockTableName.IsValid(lockTable) || lockTable != LockTable || journalCount != JournalCount)
            return Errno.EINVAL;
        if (requested < -1 || requested >= JournalCount)
            return Errno.EINVAL;
        lock (_lock)
        {
            int jid = requested;
            if (jid < 0)
            {
                jid = Enumerable.Range(0, JournalCount).FirstOrDefault(j => !_nodes.ContainsKey(j) && !_recovering.Contains(j), -1);
                if (jid < 0)
                    return Errno.EBUSY;
            }
            else if (_nodes.ContainsKey(jid) || _recovering.Contains(jid))
            {
                return Errno.EBUSY;
            }
            node = new InProcessNode(jid, callbacks);
            _nodes.Add(jid, node);
            PosixLocks.AddNode(jid);
            return Errno.OK;
        }
    }

    internal void Request(InProcessNode node, LockName name, LockState current, LockState requested, LockRequestFlags flags)
    {
        var outbox = new List<Callback>(2);
        lock (_lock)
        {
            if (node.Dead)
            {
                outbox.Add(Callback.Completed(node, name, current, LockStatus.Error));
            }
            else
            {
                if (!_resources.TryGetValue(name, out var res))
                    _resources.Add(name, res = new InProcessLockResource());
                if (requested == LockState.Unlocked)
                {
                    res.Granted.Remove(node);
                    outbox.Add(Callback.Completed(node, name, LockState.Unlocked, LockStatus.Granted));
                    ProcessLocked(name, res, outbox);
                }
                else
                {
                    bool conversion = res.Granted.ContainsKey(node);
                    LockState? grant = conversion || res.Queue.Count == 0 ? GrantableLocked(res, node, requested, flags) : null;
                    if (grant is { } s)
                    {
                        res.Granted[node] = s;
                        outbox.Add(Callback.Completed(node, name, s, LockStatus.Granted));
                        if (conversion)
                            ProcessLocked(name, res, outbox); // a weaker state may let waiters in
                    }
                    else if ((flags & (LockRequestFlags.Try | LockRequestFlags.TryOneCallback)) != 0)
                    {
                        if ((flags & LockRequestFlags.TryOneCallback) != 0)
                            NotifyBlockersLocked(name, res, new InProcessLockRequest(node, current, requested, flags), outbox);
                        outbox.Add(Callback.Completed(node, name, res.Granted.GetValueOrDefault(node), LockStatus.TryFailed));
                    }
                    else
                    {
                        var req = new InProcessLockRequest(node, current, requested, flags);
                        res.Queue.Add(req);
                        NotifyBlockersLocked(name, res, req, outbox);
                    }
                }
                if (res.IsEmpty)
                    _resources.Remove(name);
            }
        }
        Deliver(outbox);
    }

    internal void Cancel(InProcessNode node, LockName name)
    {
        var outbox = new List<Callback>(2);
        lock (_lock)
        {
            if (_resources.TryGetValue(name, out var res))
            {
                int i = res.Queue.FindIndex(r => r.Node == node);
                if (i >= 0)
                {
                    res.Queue.RemoveAt(i);
                    outbox.Add(Callback.Completed(node, name, res.Granted.GetValueOrDefault(node), LockStatus.Canceled));
                    ProcessLocked(name, res, outbox);
                    if (res.IsEmpty)
                        _resources.Remove(name);
                }
            }
        }
        Deliver(outbox);
    }

    internal void Leave(InProcessNode node)
    {
        var outbox = new List<Callback>();
        lock (_lock)
        {
            if (!_nodes.Remove(node.JournalId))
                return;
            node.Dead = true;
            PosixLocks.DropNode(node.JournalId);
            DropNodeLocked(node, outbox);
            ProcessAllLocked(outbox);
        }
        Deliver(outbox);
    }

    internal void RecoveryDone(int journalId)
    {
        var outbox = new List<Callback>();
        lock (_lock)
        {
            if (!_recovering.Remove(journalId))
                return;
            ProcessAllLocked(outbox);
        }
        Deliver(outbox);
    }

    /// <summary>The state to grant now (the request, or its ANY alternate), ignoring the queue; null if none.</summary>
    private LockState? GrantableLocked(InProcessLockResource res, InProcessNode node, LockState requested, LockRequestFlags flags)
    {
        // While a dead node's journal awaits replay, only recovery and conversions proceed.
        if (_recovering.Count > 0 && (flags & LockRequestFlags.NoExpire) == 0 && !res.Granted.ContainsKey(node))
            return null;
        if (res.CompatibleWithOthers(node, requested))
            return requested;
        if ((flags & LockRequestFlags.Any) != 0 && requested is LockState.Shared or LockState.Deferred)
        {
            var alternate = requested == LockState.Shared ? LockState.Deferred : LockState.Shared;
            if (res.CompatibleWithOthers(node, alternate))
                return alternate;
        }
        return null;
    }

    /// <summary>Grants waiting requests in FIFO order up to the first that cannot be granted, then sends blocking callbacks.</summary>
    private void ProcessLocked(LockName name, InProcessLockResource res, List<Callback> outbox)
    {
        for (int i = 0; i < res.Queue.Count;)
        {
            var req = res.Queue[i];
            bool recoveryBlocked = _recovering.Count > 0 && (req.Flags & LockRequestFlags.NoExpire) == 0 && !res.Granted.ContainsKey(req.Node);
            if (recoveryBlocked)
            {
                i++; // NoExpire (recovery) requests may pass requests held back by recovery
                continue;
            }
            if (GrantableLocked(res, req.Node, req.To, req.Flags) is not { } s)
                break;
            res.Queue.RemoveAt(i);
            res.Granted[req.Node] = s;
            outbox.Add(Callback.Completed(req.Node, name, s, LockStatus.Granted));
        }
        foreach (var req in res.Queue)
            NotifyBlockersLocked(name, res, req, outbox);
    }

    private void ProcessAllLocked(List<Callback> outbox)
    {
        foreach (var (name, res) in _resources.ToArray())
        {
            ProcessLocked(name, res, outbox);
            if (res.IsEmpty)
                _resources.Remove(name);
        }
    }

    private static void NotifyBlockersLocked(LockName name, InProcessLockResource res, InProcessLockRequest req, List<Callback> outbox)
    {
        foreach (var (holder, held) in res.Granted)
        {
            if (holder == req.Node || LockStateRules.Compatible(held, req.To) || req.Notified.Contains(holder))
                continue;
            req.Notified.Add(holder);
            outbox.Add(Callback.Blocking(holder, name, req.To));
        }
    }

    /// <summary>Forgets a leaving or dead node's grants; its waiting requests complete with Error so its glocks do not hang.</summary>
    private void DropNodeLocked(InProcessNode node, List<Callback> outbox)
    {
        foreach (var (name, res) in _resources)
        {
            res.Granted.Remove(node);
            foreach (var req in res.Queue.Where(r => r.Node == node))
                outbox.Add(Callback.Completed(node, name, req.From, LockStatus.Error));
            res.Queue.RemoveAll(r => r.Node == node);
        }
    }

    private static void Deliver(List<Callback> outbox)
    {
        foreach (var cb in outbox)
            cb.Invoke();
    }

    /// <summary>A callback decided under the lock, delivered after it is released.</summary>
    private readonly record struct Callback(InProcessNode Node, int Kind, LockName Name, LockState State, LockStatus Status, int JournalId, string? Reason)
    {
        public static Callback Completed(InProcessNode n, LockName name, LockState s, LockStatus st) => new(n, 0, name, s, st, 0, null);
        public static Callback Blocking(InProcessNode n, LockName name, LockState wanted) => new(n, 1, name, wanted, default, 0, null);
        public static Callback Recover(InProcessNode n, int jid) => new(n, 2, default, default, default, jid, null);
        public static Callback Withdraw(InProcessNode n, string reason) => new(n, 3, default, default, default, 0, reason);

        public void Invoke()
        {
            // A dead node hears nothing but its own withdraw and the failure of its requests.
            if (Node.Dead && Kind is 1 or 2)
                return;
            switch (Kind)
            {
                case 0: Node.Callbacks.Completed(Name, State, Status); break;
                case 1: Node.Callbacks.Blocking(Name, State); break;
                case 2: Node.Callbacks.RecoverJournal(JournalId); break;
                default: Node.Callbacks.Withdraw(Reason!); break;
            }
        }
    }
}
