using System.Globalization;
using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers.Etcd;

public sealed partial class EtcdLockManager
{
    private const int MaxJournals = 1024;
    private const int MountAttempts = 5;

    /// <inheritdoc />
    /// <remarks>
    /// Negative <paramref name="requestedJournal"/> means "any free journal". Errors: EINVAL for a malformed
    /// table name, a journal count or id out of range, or a lock space created for a different journal count;
    /// EBUSY when the requested journal (or every journal) is taken; ETIMEDOUT/EIO when etcd cannot be reached.
    /// A refused mount writes nothing to etcd (a lease granted for the attempt is revoked). <see cref="LastError"/>
    /// says why.
    /// </remarks>
    public Errno Mount(string lockTable, int journalCount, int requestedJournal, ILockManagerCallbacks callbacks, out int journalId)
    {
        ArgumentNullException.ThrowIfNull(callbacks);
        journalId = -1;
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) throw new InvalidOperationException("an EtcdLockManager mounts once");
        var err = ValidateMountArguments(lockTable, journalCount, requestedJournal);
        if (err.IsOk)
        {
            _callbacks = callbacks;
            _keys = new EtcdLockKeys(lockTable);
            err = JoinAsync(journalCount, requestedJournal).GetAwaiter().GetResult();
        }
        if (!err.IsOk)
        {
            Interlocked.Exchange(ref _state, 2);
            return err;
        }
        journalId = JournalId;
        return Errno.OK;
    }

    private Errno ValidateMountArguments(string lockTable, int journalCount, int requestedJournal)
    {
        int colon = lockTable?.IndexOf(':') ?? -1;
        if (lockTable == null || colon <= 0 || colon == lockTable.Length - 1 || lockTable.IndexOf(':', colon + 1) >= 0
            || !lockTable.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':'))
            return Refuse(Errno.EINVAL, $"lock table \"{lockTable}\" is not of the form cluster:fsname (letters, digits, _ - .)");
        if (journalCount < 1 || journalCount > MaxJournals)
            return Refuse(Errno.EINVAL, $"journal count {journalCount} is outside 1..{MaxJournals}");
        if (requestedJournal >= journalCount)
            return Refuse(Errno.EINVAL, $"journal {requestedJournal} does not exist (the filesystem has {journalCount})");
        return Errno.OK;
    }

    private Errno Refuse(Errno err, string message)
    {
        LastError = message;
        return err;
    }

    /// <summary>Claims a journal and a membership key in one txn, then loads the lock space and starts watch and keep-alive.</summary>
    private async Task<Errno> JoinAsync(int journalCount, int requestedJournal)
    {
        var keys = _keys!;
        string config = $"journals={journalCount.ToString(CultureInfo.InvariantCulture)}";
        for (int attempt = 0; attempt < MountAttempts; attempt++)
        {
            var snap = await _client.TxnAsync([], [EtcdOp.Range(keys.Config), EtcdOp.Range(keys.JournalsPrefix, EtcdClient.PrefixEnd(keys.JournalsPrefix))])
                .ConfigureAwait(false);
            if (!snap.IsOk) return Refuse(snap.Error, $"cannot reach the lock space: {snap.Message}");
            var existing = snap.Value!.Read.FirstOrDefault(kv => kv.Key == keys.Config);
            if (existing != null && existing.Value != config)
                return Refuse(Errno.EINVAL, $"lock table {keys.Root} belongs to a filesystem with {existing.Value}, not {config}");
            var taken = new HashSet<int>();
            foreach (var kv in snap.Value.Read)
            {
                if (keys.TryParseJournalKey(kv.Key, out int j)) taken.Add(j);
            }
            int jid = requestedJournal >= 0 ? requestedJournal : Enumerable.Range(0, journalCount).FirstOrDefault(j => !taken.Contains(j), -1);
            if (jid < 0) return Refuse(Errno.EBUSY, $"all {journalCount} journals of {keys.Root} are in use or awaiting recovery");
            if (taken.Contains(jid)) return Refuse(Errno.EBUSY, $"journal {jid} of {keys.Root} is in use or awaiting recovery");

            var lease = await _client.LeaseGrantAsync(_options.LeaseTtlSeconds).ConfigureAwait(false);
            if (!lease.IsOk) return Refuse(lease.Error, $"cannot get a lease: {lease.Message}");
            long leaseSent = Now();
            string node = lease.Value.ToString("x16", CultureInfo.InvariantCulture);
            var compares = new List<EtcdCompare>
            {
                existing != null ? EtcdCompare.ValueEquals(keys.Config, config) : EtcdCompare.Absent(keys.Config),
                EtcdCompare.Absent(keys.Journal(jid)),
            };
            var ops = new List<EtcdOp>
            {
                EtcdOp.Put(keys.Journal(jid), "O:" + node),
                EtcdOp.Put(keys.Member(node), jid.ToString(CultureInfo.InvariantCulture), lease.Value),
            };
            if (existing == null) ops.Add(EtcdOp.Put(keys.Config, config));
            var joined = await _client.TxnAsync(compares, ops).ConfigureAwait(false);
            if (!joined.IsOk || !joined.Value!.Succeeded)
            {
                await _client.LeaseRevokeAsync(lease.Value).ConfigureAwait(false);
                if (!joined.IsOk) return Refuse(joined.Error, $"cannot join the lock space: {joined.Message}");
                continue; // Another node changed config or took the journal meanwhile: look again.
            }
            LeaseId = lease.Value;
            NodeId = node;
            JournalId = jid;
            var started = await StartAsync(leaseSent).ConfigureAwait(false);
            if (!started.IsOk)
            {
                _shutdown.Cancel();
                await _client.TxnAsync([EtcdCompare.ValueEquals(keys.Journal(jid), "O:" + node)], [EtcdOp.Delete(keys.Journal(jid))]).ConfigureAwait(false);
                await _client.LeaseRevokeAsync(LeaseId).ConfigureAwait(false);
            }
            return started;
        }
        return Refuse(Errno.EBUSY, $"lock space {keys.Root} kept changing during {MountAttempts} mount attempts");
    }

    /// <summary>Loads the lock space at one revision, watches it from the next, and starts keep-alive and recovery.</summary>
    private async Task<Errno> StartAsync(long leaseSent)
    {
        var keys = _keys!;
        var all = await _client.RangeAsync(keys.Root, keys.RootEnd).ConfigureAwait(false);
        if (!all.IsOk) return Refuse(all.Error, $"cannot read the lock space: {all.Message}");
        lock (_lock)
        {
            _viewRevision = all.Value!.Revision;
            foreach (var kv in all.Value.Kvs) ApplyLocked(new EtcdEvent(false, kv), null);
        }
        _watch = _client.Watch(keys.Root, keys.RootEnd, all.Value!.Revision + 1, OnWatchEvents);
        _ = _watch.Completion.ContinueWith(t => OnWatchEnded(t.Result), TaskScheduler.Default);
        _leaseTask = Task.Run(() => KeepAliveAsync(leaseSent));
        RequestRecoveryScan();
        return Errno.OK;
    }
}
