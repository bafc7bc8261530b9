using System.Diagnostics;
using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.LockManagers.Etcd;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>
/// N nodes, each a <see cref="GlockTable"/> over its own <see cref="EtcdLockManager"/> (own lease), on one fresh
/// lock table of the shared private etcd, mounted with journals 0..N-1, with a manual glock clock and no
/// minimum hold time unless given.
/// </summary>
internal sealed class EtcdGlockCluster : IDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    public const int Journals = 4;

    public EtcdGlockCluster(EtcdFixture etcd, int nodes, string purpose, TimeSpan? minHoldTime = null)
    {
        etcd.EnsureAvailable();
        Table = etcd.UniqueTable(purpose);
        Managers = new EtcdLockManager[nodes];
        Nodes = new GlockTable[nodes];
        for (int i = 0; i < nodes; i++)
        {
            Managers[i] = EtcdNode.CreateManager(etcd);
            Nodes[i] = new GlockTable(Managers[i], new GlockTableOptions
            {
                Clock = Clock,
                MinHoldTime = minHoldTime ?? TimeSpan.Zero,
                NodeName = "node" + i,
            });
            var err = Nodes[i].Mount(Table, Journals, i);
            Assert.True(err.IsOk, $"mount of node {i} on {Table} refused: {err}: {Managers[i].LastError}");
        }
    }

    public string Table { get; }

    public ManualGlockClock Clock { get; } = new();

    public EtcdLockManager[] Managers { get; }

    public GlockTable[] Nodes { get; }

    /// <summary>
    /// Waits (bounded by <see cref="Bound"/>) until <paramref name="condition"/> holds; fails the test naming
    /// <paramref name="what"/> otherwise. For effects that arrive asynchronously from etcd (a node's own reply,
    /// a withdrawal), where no event exists to wait on; the condition is re-checked, never a fixed delay.
    /// </summary>
    public static void WaitUntil(Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        Assert.True(SpinWait.SpinUntil(condition, Bound), $"{what}: not within {Bound.TotalSeconds} s (waited {sw.Elapsed.TotalSeconds:0.0} s)");
    }

    public void AssertNoWorkerFailure()
    {
        foreach (var n in Nodes)
            Assert.Null(n.WorkerFailure);
    }

    /// <summary>Unmounts every manager (revoking its lease, failing what is outstanding) before stopping the glock workers.</summary>
    public void Dispose()
    {
        foreach (var m in Managers)
            m.Dispose();
        foreach (var n in Nodes)
            n.Dispose();
    }
}
