using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>N nodes (glock tables) on one in-process lock space, mounted with journals 0..N-1, with a manual clock.</summary>
internal sealed class GlockCluster : IDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    public const string Table = "test:fs";

    public GlockCluster(int nodes, TimeSpan? minHoldTime = null, int journals = 4)
    {
        Space = new InProcessLockSpace(Table, journals);
        Nodes = new GlockTable[nodes];
        for (int i = 0; i < nodes; i++)
        {
            Nodes[i] = new GlockTable(Space.CreateManager(), new GlockTableOptions
            {
                Clock = Clock,
                MinHoldTime = minHoldTime ?? TimeSpan.Zero,
                NodeName = "node" + i,
            });
            Assert.Equal(Iov.Errno.OK, Nodes[i].Mount(Table, journals, i));
        }
    }

    public ManualGlockClock Clock { get; } = new();
    public InProcessLockSpace Space { get; }
    public GlockTable[] Nodes { get; }

    /// <summary>Waits until every node's glock worker is idle; fails the test on timeout.</summary>
    public void Quiesce()
    {
        // Two rounds: one node's work can queue work on another (through the lock space).
        for (int round = 0; round < 3; round++)
        {
            foreach (var n in Nodes)
                Assert.True(n.WaitForIdle(Bound), "glock worker did not go idle");
        }
    }

    public void AssertNoWorkerFailure()
    {
        foreach (var n in Nodes)
            Assert.Null(n.WorkerFailure);
    }

    public void Dispose()
    {
        foreach (var n in Nodes)
            n.Dispose();
    }
}
