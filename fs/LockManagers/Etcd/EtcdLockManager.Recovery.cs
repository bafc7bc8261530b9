namespace ClusterFs.Fs.LockManagers.Etcd;

public sealed partial class EtcdLockManager
{
    private int _scanRequested; // 1 while a scan is queued or running and another must follow
    private int _scanRunning;

    /// <summary>Runs a recovery scan soon (on a background task); scans never overlap, and a request during one runs another after it.</summary>
    private void RequestRecoveryScan()
    {
        Interlocked.Exchange(ref _scanRequested, 1);
        if (Interlocked.CompareExchange(ref _scanRunning, 1, 0) != 0) return;
        _ = Task.Run(async () =>
        {
            try
            {
                while (Interlocked.Exchange(ref _scanRequested, 0) == 1 && !_shutdown.IsCancellationRequested)
                    await ScanJournalsAsync().ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Exchange(ref _scanRunning, 0);
            }
            if (Volatile.Read(ref _scanRequested) == 1 && !_shutdown.IsCancellationRequested) RequestRecoveryScan();
        });
    }

    /// <summary>
    /// Finds journals whose owner ("O:node") or recoverer ("R:node") has no member key any more and claims each
    /// with a txn that also checks that the node is still absent; the one node whose claim succeeds gets
    /// RecoverJournal. Failures to reach etcd are left to the keep-alive fence.
    /// </summary>
    private async Task ScanJournalsAsync()
    {
        var keys = _keys!;
        var snap = await _client.TxnAsync([], [EtcdOp.Range(keys.JournalsPrefix, EtcdClient.PrefixEnd(keys.JournalsPrefix)),
            EtcdOp.Range(keys.MembersPrefix, EtcdClient.PrefixEnd(keys.MembersPrefix))], ct: _shutdown.Token).ConfigureAwait(false);
        if (!snap.IsOk) return;
        var live = snap.Value!.Read.Where(kv => kv.Key.StartsWith(keys.MembersPrefix, StringComparison.Ordinal))
            .Select(kv => kv.Key[keys.MembersPrefix.Length..]).ToHashSet(StringComparer.Ordinal);
        foreach (var kv in snap.Value.Read)
        {
            if (!keys.TryParseJournalKey(kv.Key, out int jid) || kv.Value.Length < 3) continue;
            string node = kv.Value[2..];
            if (live.Contains(node) || IsWithdrawn) continue;
            var claim = await _client.TxnAsync([EtcdCompare.ValueEquals(kv.Key, kv.Value), EtcdCompare.Absent(keys.Member(node))],
                [EtcdOp.Put(kv.Key, "R:" + NodeId)], ct: _shutdown.Token).ConfigureAwait(false);
            if (claim.IsOk && claim.Value!.Succeeded && !IsWithdrawn) _callbacks!.RecoverJournal(jid);
        }
    }
}
