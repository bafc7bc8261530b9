using System.Globalization;
using System.Text;
using ClusterFs.Fs.LockManagers.Plocks;
using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// The POSIX record-lock table of "lock_etcd" (the DLM plock service's role). The locks of one lock owner of one node
/// on one inode are one key, plocks/&lt;inode&gt;/&lt;jid&gt;/&lt;owner&gt; (<see cref="EtcdLockKeys"/>), bound to the node's
/// lease: a node that dies or is fenced loses its locks when etcd expires the lease, a node that unmounts when it
/// revokes it. A request reads the inode's keys, decides with the POSIX rules (<see cref="PosixLockList"/>) and writes
/// the owner's key back in a txn that holds only if no key of the inode was written since the read and the owner's own
/// key is still the one read (an optimistic per-inode lock: on a race it reads again). F_SETLKW waiters retry when the
/// manager's watch on the lock space reports a change under their inode's plocks/ prefix (a put, an unlock, a lease expiry).
/// </summary>
/// <remarks>Deadlock detection (EDEADLK) covers every node: a blocked request publishes its wait-for edge and checks
/// the cluster's graph in one consistent snapshot (<see cref="EtcdPlockWaits"/>), at the cost of reading every POSIX
/// lock and edge of the lock space each time a request blocks or its blocker changes. Two requests closing one cycle
/// at the same moment may both get EDEADLK (Linux, serialised by one spinlock, fails only the second).</remarks>
internal sealed class EtcdPosixLockTable(EtcdLockManager manager) : IPosixLockTable
{
    private static readonly IReadOnlyDictionary<(int, ulong), long> s_noRevisions = new Dictionary<(int, ulong), long>();
    private static long s_nextRequest; // names wait-for edges uniquely within this process (the key also names the node)

    private readonly Lock _lock = new(); // leaf: guards _waiters and _changed
    private int _waiters; // under _lock: this node's blocked F_SETLKW requests
    private readonly Dictionary<ulong, TaskCompletionSource> _changed = new(); // under _lock: by inode, completed and removed on a change
    private TaskCompletionSource _waitersChanged = NewSignal(); // completed and replaced whenever _waits changes

    /// <summary>This node's blocked F_SETLKW requests (for tests).</summary>
    internal int Waiters
    {
        get { lock (_lock) return _waiters; }
    }

    /// <summary>Completes once at least <paramref name="count"/> requests of this node are blocked (for tests; the caller bounds it).</summary>
    internal async Task WaitForWaitersAsync(int count, CancellationToken ct)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _waitersChanged).Task;
            if (Waiters >= count) return;
            await changed.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Watch hook: the POSIX locks of <paramref name="inode"/> changed (a put, an unlock, a lease expiry); its
    /// blocked requests look again. Waiters on other inodes are not disturbed.</summary>
    internal void OnChanged(ulong inode)
    {
        TaskCompletionSource? signal;
        lock (_lock) _changed.Remove(inode, out signal);
        signal?.TrySetResult();
    }

    /// <summary>The signal a waiter on <paramref name="inode"/> takes before reading: completed by the next change.</summary>
    private Task ChangeSignal(ulong inode)
    {
        lock (_lock)
        {
            if (!_changed.TryGetValue(inode, out var signal)) _changed[inode] = signal = NewSignal();
            return signal.Task;
        }
    }

    public Errno Test(ulong inode, in PosixLockRequest request, out PosixLock conflict)
    {
        request.Validate();
        conflict = default(PosixLock) with { Type = PosixLockType.Unlock, Start = request.Start, End = request.End };
        if (!Ready(out var keys, out var ct)) return Errno.EIO;
        var read = ReadAsync(keys, inode, request.Owner, ct).GetAwaiter().GetResult();
        if (!read.Error.IsOk) return read.Error;
        if (read.List!.FindConflict(manager.JournalId, request) is { } c) conflict = c;
        return Errno.OK;
    }

    public Errno Set(ulong inode, in PosixLockRequest request, bool wait, CancellationToken cancel)
    {
        request.Validate();
        if (!Ready(out var keys, out var ct)) return Errno.EIO;
        return SetAsync(keys, inode, request, wait && request.Type != PosixLockType.Unlock, cancel, ct).GetAwaiter().GetResult();
    }

    public Errno Release(ulong inode, ulong owner)
    {
        if (!Ready(out var keys, out var ct)) return Errno.EIO;
        // One key holds all of the owner's locks on the inode; a concurrent Set of the same owner sees it gone and re-reads.
        var r = manager.Client.DeleteAsync(keys.Plock(inode, manager.JournalId, owner), ct: ct).GetAwaiter().GetResult();
        return r.IsOk ? Errno.OK : r.Error;
    }

    private async Task<Errno> SetAsync(EtcdLockKeys keys, ulong inode, PosixLockRequest request, bool wait, CancellationToken cancel,
        CancellationToken shutdown)
    {
        int node = manager.JournalId;
        var me = (node, request.Owner);
        string ownKey = keys.Plock(inode, node, request.Owner);
        string prefix = keys.PlockInodePrefix(inode), prefixEnd = EtcdClient.PrefixEnd(prefix);
        string? edgeKey = null, edgeValue = null; // this request's published wait-for edge, while it is blocked
        bool counted = false;
        try
        {
            while (true)
            {
                if (manager.IsWithdrawn || shutdown.IsCancellationRequested) return Errno.EIO;
                var changed = wait ? ChangeSignal(inode) : Task.CompletedTask; // taken before the read: a change after it wakes us
                var read = await ReadAsync(keys, inode, request.Owner, shutdown).ConfigureAwait(false);
                if (!read.Error.IsOk) return shutdown.IsCancellationRequested ? Errno.EIO : read.Error;
                if (read.List!.FindConflict(node, request) is { } c)
                {
                    if (!wait) return Errno.EAGAIN;
                    if (cancel.IsCancellationRequested) return Errno.EINTR;
                    string value = EtcdPlockWaits.Encode(inode, c.Node, c.Owner, read.ModRevisions[(c.Node, c.Owner)]);
                    if (value != edgeValue)
                    {
                        edgeKey ??= keys.PlockWait(node, request.Owner, Interlocked.Increment(ref s_nextRequest));
                        var check = await PublishAndCheckAsync(keys, edgeKey, value, me, (c.Node, c.Owner), shutdown).ConfigureAwait(false);
                        if (check == Errno.EDEADLK) return Errno.EDEADLK;
                        if (!check.IsOk) return shutdown.IsCancellationRequested ? Errno.EIO : check;
                        edgeValue = value;
                    }
                    if (!counted) CountWaiter(+1);
                    counted = true;
                    try
                    {
                        await changed.WaitAsync(cancel).WaitAsync(shutdown).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return shutdown.IsCancellationRequested ? Errno.EIO : Errno.EINTR;
                    }
                    continue;
                }
                string before = Encode(read.List.OwnedBy(node, request.Owner));
                read.List.Apply(node, request);
                string after = Encode(read.List.OwnedBy(node, request.Owner));
                if (after == before) return Errno.OK;
                var compares = new List<EtcdCompare> { EtcdCompare.UnchangedSince(prefix, prefixEnd, read.Revision) };
                // Deletes do not show in a mod-revision compare: the owner's own key must still be the one that was read.
                compares.Add(read.OwnCreateRevision == 0 ? EtcdCompare.Absent(ownKey) : EtcdCompare.CreateRevision(ownKey, read.OwnCreateRevision));
                var ops = new List<EtcdOp> { after.Length == 0 ? EtcdOp.Delete(ownKey) : EtcdOp.Put(ownKey, after, manager.LeaseId) };
                // The grant and the end of the wait are one write: no snapshot shows this owner holding and still waiting.
                if (edgeKey is not null) ops.Add(EtcdOp.Delete(edgeKey));
                var txn = await manager.Client.TxnAsync(compares, ops, ct: shutdown).ConfigureAwait(false);
                if (!txn.IsOk) return shutdown.IsCancellationRequested ? Errno.EIO : txn.Error;
                if (txn.Value!.Succeeded)
                {
                    edgeKey = null;
                    return Errno.OK;
                }
                // Another request changed the inode's locks between our read and our write: decide again.
            }
        }
        finally
        {
            if (counted) CountWaiter(-1);
            // Best effort: if this fails the node is going away, and its lease takes the edge with it.
            if (edgeKey is not null && !shutdown.IsCancellationRequested)
                await manager.Client.DeleteAsync(edgeKey, ct: shutdown).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Publishes (or re-points) this request's wait-for edge, then reads every POSIX lock and edge of the lock space at one
    /// revision. EDEADLK when the valid edges lead from the blocker back to this owner, OK when not, or the etcd error.
    /// Publishing before looking means that of two requests closing a cycle at once, the later look sees both edges.
    /// </summary>
    private async Task<Errno> PublishAndCheckAsync(EtcdLockKeys keys, string edgeKey, string value, (int, ulong) me, (int, ulong) blocker,
        CancellationToken shutdown)
    {
        var put = await manager.Client.PutAsync(edgeKey, value, manager.LeaseId, shutdown).ConfigureAwait(false);
        if (!put.IsOk) return put.Error;
        var snap = await manager.Client.TxnAsync([], [EtcdOp.Range(keys.PlocksPrefix, EtcdClient.PrefixEnd(keys.PlocksPrefix)),
            EtcdOp.Range(keys.PlockWaitsPrefix, EtcdClient.PrefixEnd(keys.PlockWaitsPrefix))], ct: shutdown).ConfigureAwait(false);
        if (!snap.IsOk) return snap.Error;
        return EtcdPlockWaits.ClosesCycle(keys, snap.Value!.Read, edgeKey, me, blocker) ? Errno.EDEADLK : Errno.OK;
    }

    private void CountWaiter(int delta)
    {
        lock (_lock) _waiters += delta;
        Interlocked.Exchange(ref _waitersChanged, NewSignal()).TrySetResult();
    }

    /// <summary>The inode's locks at one revision, the create revision of the owner's own key (0: absent), and the mod
    /// revision of every owner's key (what a wait-for edge records about its blocker).</summary>
    private readonly record struct Snapshot(Errno Error, PosixLockList? List, long Revision, long OwnCreateRevision,
        IReadOnlyDictionary<(int Jid, ulong Owner), long> ModRevisions);

    private async Task<Snapshot> ReadAsync(EtcdLockKeys keys, ulong inode, ulong owner, CancellationToken ct)
    {
        string prefix = keys.PlockInodePrefix(inode);
        var r = await manager.Client.RangeAsync(prefix, EtcdClient.PrefixEnd(prefix), ct).ConfigureAwait(false);
        if (!r.IsOk) return new Snapshot(r.Error, null, 0, 0, s_noRevisions);
        var locks = new List<PosixLock>();
        var revisions = new Dictionary<(int, ulong), long>();
        long own = 0;
        foreach (var kv in r.Value!.Kvs)
        {
            if (!keys.TryParsePlockKey(inode, kv.Key, out int jid, out ulong o)) continue;
            if (jid == manager.JournalId && o == owner) own = kv.CreateRevision;
            revisions[(jid, o)] = kv.ModRevision;
            if (!TryDecode(kv.Value, jid, o, locks)) return new Snapshot(Errno.EIO, null, 0, 0, s_noRevisions); // not ours to guess
        }
        return new Snapshot(Errno.OK, new PosixLockList(locks), r.Value.Revision, own, revisions);
    }

    /// <summary>"W:start:end:pid R:start:end:pid ..." (end "max" for OFFSET_MAX); "" for no locks.</summary>
    private static string Encode(IEnumerable<PosixLock> locks)
    {
        var sb = new StringBuilder();
        foreach (var l in locks)
        {
            if (sb.Length != 0) sb.Append(' ');
            sb.Append(l.Type == PosixLockType.Write ? 'W' : 'R').Append(':').Append(l.Start.ToString(CultureInfo.InvariantCulture)).Append(':')
                .Append(l.End == PosixLock.OffsetMax ? "max" : l.End.ToString(CultureInfo.InvariantCulture)).Append(':')
                .Append(l.Pid.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static bool TryDecode(string value, int jid, ulong owner, List<PosixLock> into)
    {
        foreach (var record in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = record.Split(':');
            if (f.Length != 4 || f[0] is not ("W" or "R")) return false;
            if (!long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out long start)) return false;
            long end = PosixLock.OffsetMax;
            if (f[2] != "max" && !long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out end)) return false;
            if (!int.TryParse(f[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int pid) || end < start) return false;
            into.Add(new PosixLock(f[0] == "W" ? PosixLockType.Write : PosixLockType.Read, start, end, jid, owner, pid));
        }
        return true;
    }

    private bool Ready(out EtcdLockKeys keys, out CancellationToken shutdown)
    {
        keys = manager.Keys!;
        shutdown = manager.ShutdownToken;
        return manager.IsMounted && !manager.IsWithdrawn && keys is not null;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
