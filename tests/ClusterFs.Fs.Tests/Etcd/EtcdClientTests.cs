using ClusterFs.Fs.LockManagers.Etcd;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>The JSON-gateway client against the private etcd: kv, txn compares, leases, watch, and failures as errno.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdClientTests(EtcdFixture etcd)
{
    private string Prefix(string purpose) => $"/client-tests/{etcd.UniqueTable(purpose)}/";

    [EtcdFact]
    public async Task Put_range_and_delete_round_trip_keys_and_values_with_revisions()
    {
        etcd.EnsureAvailable();
        using var client = new EtcdClient(etcd.ClientUrl, TimeSpan.FromSeconds(5));
        string p = Prefix("kv");
        var put1 = await client.PutAsync(p + "a", "héllo");
        var put2 = await client.PutAsync(p + "b", "world");
        Assert.True(put1.IsOk && put2.IsOk);
        Assert.True(put2.Value > put1.Value);
        var all = await client.RangeAsync(p, EtcdClient.PrefixEnd(p));
        Assert.Equal([(p + "a", "héllo", put1.Value), (p + "b", "world", put2.Value)],
            all.Value!.Kvs.Select(kv => (kv.Key, kv.Value, kv.CreateRevision)));
        Assert.True((await client.DeleteAsync(p, EtcdClient.PrefixEnd(p))).IsOk);
        Assert.Empty((await client.RangeAsync(p, EtcdClient.PrefixEnd(p))).Value!.Kvs);
    }

    [EtcdFact]
    public async Task A_txn_runs_its_success_ops_only_when_every_compare_holds()
    {
        etcd.EnsureAvailable();
        using var client = new EtcdClient(etcd.ClientUrl, TimeSpan.FromSeconds(5));
        string p = Prefix("txn");
        var first = await client.TxnAsync([EtcdCompare.Absent(p + "k")], [EtcdOp.Put(p + "k", "1")], [EtcdOp.Range(p + "k")]);
        Assert.True(first.Value!.Succeeded);
        var second = await client.TxnAsync([EtcdCompare.Absent(p + "k")], [EtcdOp.Put(p + "k", "2")], [EtcdOp.Range(p + "k")]);
        Assert.False(second.Value!.Succeeded);
        Assert.Equal("1", Assert.Single(second.Value.Read).Value);
        Assert.True((await client.TxnAsync([EtcdCompare.ValueEquals(p + "k", "1")], [EtcdOp.Put(p + "k", "3")])).Value!.Succeeded);
        long rev = (await client.RangeAsync(p + "k", null)).Value!.Revision;
        Assert.True((await client.TxnAsync([EtcdCompare.UnchangedSince(p, EtcdClient.PrefixEnd(p), rev)], [])).Value!.Succeeded);
        await client.PutAsync(p + "other", "x");
        Assert.False((await client.TxnAsync([EtcdCompare.UnchangedSince(p, EtcdClient.PrefixEnd(p), rev)], [])).Value!.Succeeded);
    }

    [EtcdFact]
    public async Task Keys_bound_to_a_lease_vanish_when_it_is_revoked_and_keep_alive_then_reports_ttl_zero()
    {
        etcd.EnsureAvailable();
        using var client = new EtcdClient(etcd.ClientUrl, TimeSpan.FromSeconds(5));
        string p = Prefix("lease");
        var lease = await client.LeaseGrantAsync(30);
        Assert.True(lease.IsOk);
        Assert.True((await client.PutAsync(p + "k", "v", lease.Value)).IsOk);
        Assert.True((await client.LeaseKeepAliveAsync(lease.Value)).Value > 0);
        Assert.True((await client.LeaseRevokeAsync(lease.Value)).IsOk);
        Assert.Empty((await client.RangeAsync(p + "k", null)).Value!.Kvs);
        Assert.Equal(0, (await client.LeaseKeepAliveAsync(lease.Value)).Value);
        var put = await client.PutAsync(p + "k", "v", lease.Value);
        Assert.Equal(Errno.EIO, put.Error);
        Assert.Contains("lease not found", put.Message);
    }

    [EtcdFact]
    public async Task A_watch_delivers_puts_and_deletes_from_its_start_revision_in_order()
    {
        etcd.EnsureAvailable();
        using var client = new EtcdClient(etcd.ClientUrl, TimeSpan.FromSeconds(5));
        string p = Prefix("watch");
        long start = (await client.PutAsync(p + "before", "0")).Value;
        var seen = new List<(bool, string)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (var watch = client.Watch(p, EtcdClient.PrefixEnd(p), start, (events, _) =>
        {
            lock (seen)
            {
                seen.AddRange(events.Select(e => (e.IsDelete, e.Kv.Key[p.Length..])));
                if (seen.Count >= 3) done.TrySetResult();
            }
        }))
        {
            await client.PutAsync(p + "a", "1");
            await client.DeleteAsync(p + "before");
            await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
            lock (seen) Assert.Equal([(false, "before"), (false, "a"), (true, "before")], seen);
            watch.Dispose();
            Assert.Equal(Errno.ECANCELED, (await watch.Completion.WaitAsync(TimeSpan.FromSeconds(10))).Error);
        }
    }

    [EtcdFact]
    public async Task Calls_to_an_endpoint_nobody_listens_on_fail_with_eio_naming_it()
    {
        etcd.EnsureAvailable();
        using var client = new EtcdClient(new Uri("http://127.0.0.1:1/"), TimeSpan.FromSeconds(2));
        var r = await client.RangeAsync("/x", null);
        Assert.True(r.Error == Errno.EIO || r.Error == Errno.ETIMEDOUT, $"got {r.Error}");
        Assert.Contains("127.0.0.1:1", r.Message);
        var watch = client.Watch("/x", "/y", 1, (_, _) => { });
        Assert.False((await watch.Completion.WaitAsync(TimeSpan.FromSeconds(10))).IsOk);
    }
}
