using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.LockManagers.Etcd;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>Mount, journal ids, refused mounts, unmount, and node failure (withdraw, fencing, recovery) over etcd.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdMembershipTests(EtcdFixture etcd)
{
    private static readonly LockName s_inode = new(2, 0x99);
    private const LockState UN = LockState.Unlocked, EX = LockState.Exclusive;

    [EtcdFact]
    public void Journal_ids_are_handed_out_lowest_free_first_and_a_taken_or_missing_one_is_refused()
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable("journals");
        using var a = EtcdNode.Mount(etcd, clock, table, journalCount: 3);
        using var b = EtcdNode.Mount(etcd, clock, table, journalCount: 3, requestedJournal: 2);
        using var c = EtcdNode.Mount(etcd, clock, table, journalCount: 3);
        Assert.Equal((0, 2, 1), (a.JournalId, b.JournalId, c.JournalId));

        using var taken = EtcdNode.CreateManager(etcd);
        Assert.Equal(Errno.EBUSY, EtcdNode.MountError(taken, table, 3, 2, out _));
        using var full = EtcdNode.CreateManager(etcd);
        Assert.Equal(Errno.EBUSY, EtcdNode.MountError(full, table, 3, -1, out _));
        using var missing = EtcdNode.CreateManager(etcd);
        Assert.Equal(Errno.EINVAL, EtcdNode.MountError(missing, table, 3, 3, out _));

        b.Manager.Unmount();
        using var again = EtcdNode.Mount(etcd, clock, table, journalCount: 3, requestedJournal: 2);
        Assert.Equal(2, again.JournalId);
        Assert.False(a.Callbacks.HasRecovery || c.Callbacks.HasRecovery, "a clean unmount asked for journal recovery");
    }

    [EtcdFact]
    public async Task A_mount_with_another_journal_count_is_refused_with_einval_and_writes_nothing()
    {
        etcd.EnsureAvailable();
        string table = etcd.UniqueTable("mismatch");
        using var a = EtcdNode.Mount(etcd, new EventClock(), table, journalCount: 4);
        using var client = new EtcdClient(etcd.ClientUrl, TimeSpan.FromSeconds(5));
        var keys = new EtcdLockKeys(table);
        var before = await client.RangeAsync(keys.Root, keys.RootEnd);
        using var other = EtcdNode.CreateManager(etcd);
        Assert.Equal(Errno.EINVAL, EtcdNode.MountError(other, table, 8, -1, out _));
        Assert.Contains("journals=4", other.LastError);
        var after = await client.RangeAsync(keys.Root, keys.RootEnd);
        Assert.Equal(before.Value!.Kvs, after.Value!.Kvs);
    }

    [EtcdFact]
    public void A_malformed_lock_table_or_journal_count_is_refused_with_einval()
    {
        etcd.EnsureAvailable();
        foreach (var (table, count) in new[] { ("nocolon", 2), (":fs", 2), ("cluster:", 2), ("a:b:c", 2), ("clu/ster:fs", 2), ("c:fs", 0) })
        {
            using var m = EtcdNode.CreateManager(etcd);
            Assert.Equal(Errno.EINVAL, EtcdNode.MountError(m, table, count, -1, out _));
            Assert.NotEmpty(m.LastError);
        }
    }

    [EtcdFact]
    public void Mounting_against_an_unreachable_etcd_fails_with_a_clear_error()
    {
        etcd.EnsureAvailable();
        // A port nothing listens on: bind one, note it, release it.
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        using var m = new EtcdLockManager(new EtcdLockManagerOptions(new Uri($"http://127.0.0.1:{port}/")) { RequestTimeout = TimeSpan.FromSeconds(2) });
        var err = EtcdNode.MountError(m, "c:unreachable", 2, -1, out int jid);
        Assert.True(err == Errno.EIO || err == Errno.ETIMEDOUT, $"got {err}");
        Assert.Equal(-1, jid);
        Assert.Contains($"127.0.0.1:{port}", m.LastError);
    }

    [EtcdFact]
    public void Mounting_against_an_endpoint_that_never_answers_fails_with_etimedout_after_the_request_timeout()
    {
        etcd.EnsureAvailable();
        // Accepts connections (the kernel's backlog does) but never answers: a hung etcd.
        var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
            using var m = new EtcdLockManager(new EtcdLockManagerOptions(new Uri($"http://127.0.0.1:{port}/")) { RequestTimeout = TimeSpan.FromSeconds(1) });
            Assert.Equal(Errno.ETIMEDOUT, EtcdNode.MountError(m, "c:silent", 2, -1, out _));
            Assert.Contains("no answer", m.LastError);
        }
        finally
        {
            silent.Stop();
        }
    }

    [EtcdFact]
    public async Task Unmount_releases_the_nodes_locks_to_a_waiting_node()
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable("unmount");
        using var a = EtcdNode.Mount(etcd, clock, table);
        using var b = EtcdNode.Mount(etcd, clock, table);
        EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, EX), EX);
        var bWaits = b.StartLock(s_inode, UN, EX);
        await a.Callbacks.NextBlockingAsync(s_inode);
        a.Manager.Unmount();
        EtcdNode.AssertGranted(await bWaits, EX);
        var late = await a.LockAsync(new LockName(2, 1), UN, EX);
        Assert.Equal(LockStatus.Error, late.Status);
    }

    [EtcdFact]
    public async Task A_request_still_waiting_when_its_node_unmounts_completes_with_error_not_canceled()
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable("unmountwaiter");
        using var a = EtcdNode.Mount(etcd, clock, table);
        using var b = EtcdNode.Mount(etcd, clock, table);
        EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, EX), EX);
        var bWaits = b.StartLock(s_inode, UN, EX);
        await a.Callbacks.NextBlockingAsync(s_inode); // b's request is queued
        b.Manager.Unmount();
        var outcome = await bWaits;
        Assert.Equal((UN, LockStatus.Error), (outcome.State, outcome.Status));
        Assert.False(b.Callbacks.HasCompletion(s_inode), "more than one completion for one request");
    }

    [EtcdFact]
    public async Task A_node_whose_lease_is_revoked_withdraws_and_one_survivor_recovers_its_journal_and_takes_its_locks()
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable("revoked");
        using var a = EtcdNode.Mount(etcd, clock, table);
        using var b = EtcdNode.Mount(etcd, clock, table);
        using var c = EtcdNode.Mount(etcd, clock, table);
        EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, EX), EX);
        var bWaits = b.StartLock(s_inode, UN, EX);
        await a.Callbacks.NextBlockingAsync(s_inode);
        var other = new LockName(2, 0x100);
        EtcdNode.AssertGranted(await c.LockAsync(other, UN, EX), EX);
        var aWaits = a.StartLock(other, UN, EX); // still waiting when a loses its lease
        await c.Callbacks.NextBlockingAsync(other);

        using var client = new EtcdClient(etcd.ClientUrl, TimeSpan.FromSeconds(5));
        Assert.True((await client.LeaseRevokeAsync(a.Manager.LeaseId)).IsOk);

        var withdrawn = await a.Callbacks.Withdrawn.WaitAsync(RecordingCallbacks.Timeout);
        Assert.Contains("lease", withdrawn.Reason);
        var failed = await aWaits;
        Assert.Equal((UN, LockStatus.Error), (failed.State, failed.Status));
        Assert.Equal(LockStatus.Error, (await a.LockAsync(new LockName(2, 7), UN, EX)).Status);
        EtcdNode.AssertGranted(await bWaits, EX);

        await AssertOneSurvivorRecoversAsync(etcd, clock, table, a.JournalId, b, c);
    }

    [EtcdFact]
    public async Task A_node_cut_off_from_etcd_withdraws_before_another_node_is_granted_its_lock()
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable("fenced");
        using var a = EtcdNode.Mount(etcd, clock, table);
        using var b = EtcdNode.Mount(etcd, clock, table);
        EtcdNode.AssertGranted(await a.LockAsync(s_inode, UN, EX), EX);
        var bWaits = b.StartLock(s_inode, UN, EX);
        await a.Callbacks.NextBlockingAsync(s_inode);

        a.Manager.SuspendKeepAlive(); // a keeps its EX and ignores the callback, like a node behind a partition
        var withdrawn = await a.Callbacks.Withdrawn.WaitAsync(RecordingCallbacks.Timeout);
        Assert.Contains("keep-alive", withdrawn.Reason);
        var granted = await bWaits;
        EtcdNode.AssertGranted(granted, EX);
        Assert.True(withdrawn.Seq < granted.Seq, "b was granted a's lock before a withdrew");
        Assert.Equal(a.JournalId, await b.Callbacks.FirstRecovery.WaitAsync(RecordingCallbacks.Timeout));
    }

    [EtcdFact]
    public async Task A_node_partitioned_from_etcd_withdraws_before_the_survivor_is_granted_its_lock_and_recovers_it()
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable("partition");
        using var proxy = new TcpProxy(etcd.ClientUrl);
        using var aManager = new EtcdLockManager(new EtcdLockManagerOptions(proxy.Url)
        {
            LeaseTtlSeconds = EtcdNode.TestLeaseTtlSeconds, RequestTimeout = TimeSpan.FromSeconds(1),
        });
        var aCallbacks = new RecordingCallbacks(clock);
        Assert.Equal(Errno.OK, aManager.Mount(table, 4, -1, aCallbacks, out int aJournal));
        using var b = EtcdNode.Mount(etcd, clock, table);
        aManager.Lock(s_inode, UN, EX, LockRequestFlags.None);
        EtcdNode.AssertGranted(await aCallbacks.NextCompletionAsync(s_inode), EX);
        var bWaits = b.StartLock(s_inode, UN, EX);
        await aCallbacks.NextBlockingAsync(s_inode);

        proxy.Cut();
        var withdrawn = await aCallbacks.Withdrawn.WaitAsync(RecordingCallbacks.Timeout);
        var granted = await bWaits;
        EtcdNode.AssertGranted(granted, EX);
        Assert.True(withdrawn.Seq < granted.Seq, "the survivor was granted the lock before the partitioned node withdrew");
        Assert.Equal(aJournal, await b.Callbacks.FirstRecovery.WaitAsync(RecordingCallbacks.Timeout));
        aManager.Lock(new LockName(2, 5), UN, LockState.Shared, LockRequestFlags.None);
        Assert.Equal(LockStatus.Error, (await aCallbacks.NextCompletionAsync(new LockName(2, 5))).Status);
    }

    /// <summary>
    /// Exactly one of the survivors gets RecoverJournal for the dead node's journal; once it reports
    /// RecoveryDone the journal can be mounted again, and the other survivor was never asked.
    /// </summary>
    private static async Task AssertOneSurvivorRecoversAsync(EtcdFixture etcd, EventClock clock, string table, int deadJournal,
        EtcdNode b, EtcdNode c)
    {
        var first = await Task.WhenAny(b.Callbacks.FirstRecovery, c.Callbacks.FirstRecovery).WaitAsync(RecordingCallbacks.Timeout);
        Assert.Equal(deadJournal, await first);
        var (recoverer, other) = first == b.Callbacks.FirstRecovery ? (b, c) : (c, b);

        using (var early = EtcdNode.CreateManager(etcd))
            Assert.Equal(Errno.EBUSY, EtcdNode.MountError(early, table, 4, deadJournal, out _));
        recoverer.Manager.RecoveryDone(deadJournal);
        using var replacement = EtcdNode.Mount(etcd, clock, table, requestedJournal: deadJournal);
        Assert.Equal(deadJournal, replacement.JournalId);
        Assert.Equal(1, recoverer.Callbacks.RecoveryCount);
        Assert.Equal(0, other.Callbacks.RecoveryCount);
    }
}
