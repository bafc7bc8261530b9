using BenchmarkDotNet.Attributes;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.LockManagers.Etcd;

namespace ClusterFs.Bench;

/// <summary>
/// EX ping-pong between two etcd lock-manager nodes on loopback: one operation is one transfer of the lock
/// (request, blocking callback, release by the holder, grant). Baseline: one raw etcd put + delete
/// through the same JSON-gateway client, against the same private etcd. Also an uncontended EX acquire +
/// release on a lock no other node uses (the fast path: one txn each way).
/// </summary>
[MemoryDiagnoser]
public class EtcdPingPongBenchmark
{
    private static readonly LockName s_name = new(2, 42);

    private EtcdServer? _server;
    private EtcdClient? _client;
    private static readonly LockName s_solo = new(2, 43);

    private PingPongNode? _a, _b, _alone;
    private bool _aNext;

    [GlobalSetup]
    public void Setup()
    {
        _server = new EtcdServer();
        _client = new EtcdClient(_server.ClientUrl, TimeSpan.FromSeconds(5));
        string table = $"bench:pingpong{Environment.ProcessId}";
        _a = Mount(table);
        _b = Mount(table);
        _a.AcquireAsync(s_name).GetAwaiter().GetResult();
        _aNext = false;
        _alone = Mount($"bench:alone{Environment.ProcessId}");
    }

    private PingPongNode Mount(string table)
    {
        var manager = new EtcdLockManager(new EtcdLockManagerOptions(_server!.ClientUrl));
        var node = new PingPongNode(manager);
        var err = manager.Mount(table, 2, -1, node, out _);
        if (!err.IsOk) throw new InvalidOperationException($"mount: {err}: {manager.LastError}");
        return node;
    }

    [Benchmark(Baseline = true, Description = "raw etcd put+delete")]
    public async Task PutDelete()
    {
        var put = await _client!.PutAsync("/bench/raw", "x");
        var del = await _client.DeleteAsync("/bench/raw");
        if (!put.IsOk || !del.IsOk) throw new InvalidOperationException(put.Message + del.Message);
    }

    [Benchmark(Description = "EX transfer between 2 nodes")]
    public async Task ExclusiveTransfer()
    {
        var next = _aNext ? _a! : _b!;
        _aNext = !_aNext;
        await next.AcquireAsync(s_name);
    }

    [Benchmark(Description = "EX acquire+release, uncontended")]
    public async Task UncontendedAcquireRelease()
    {
        await _alone!.AcquireAsync(s_solo);
        await _alone.ReleaseAsync(s_solo);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a?.Manager.Dispose();
        _b?.Manager.Dispose();
        _alone?.Manager.Dispose();
        _client?.Dispose();
        _server?.Dispose();
    }
}
