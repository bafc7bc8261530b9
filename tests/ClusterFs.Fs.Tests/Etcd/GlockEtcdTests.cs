using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.LockManagers.Etcd;
using ClusterFs.Fs.Tests.Glocks;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>Glock tables on two and three nodes over real etcd lock managers: transfers, sharing, node death, withdraw.</summary>
[Collection(EtcdCollection.Name)]
public sealed class GlockEtcdTests(EtcdFixture etcd)
{
    private static readonly TimeSpan Bound = EtcdGlockCluster.Bound;
    private static readonly GlockOwner Owner = new(1);

    private static GlockResult Acquire(Glock gl, LockState state, GlockHolderFlags flags, out GlockHolder holder)
    {
        holder = new GlockHolder(gl, state, flags | GlockHolderFlags.Async, Owner);
        holder.Nq();
        return holder.Wait(Bound);
    }

    [EtcdFact]
    public void EX_ping_pong_between_two_nodes_writes_back_and_invalidates_on_the_losing_node_every_time()
    {
        using var cluster = new EtcdGlockCluster(etcd, 2, "glock-pingpong");
        var gls = cluster.Nodes.Select(n => n.Get(42, InodeGlockOperations.Instance)).ToArray();
        var targets = gls.Select(g => { var t = new RecordingGlockTarget(); g.Target = t; return t; }).ToArray();
        const int rounds = 6;
        for (int i = 0; i < rounds; i++)
        {
            int me = i % 2, other = 1 - me;
            Assert.True(Acquire(gls[me], LockState.Exclusive, GlockHolderFlags.None, out var h).IsOk, $"round {i}: EX not granted");
            Assert.Equal(LockState.Exclusive, gls[me].State);
            if (i > 0)
            {
                // The loser wrote back and dropped data and metadata before etcd could grant the winner.
                Assert.Equal(["sync EX->UN", "inval meta"], targets[other].Events.TakeLast(2));
                // Its own release reply may still be on the way.
                EtcdGlockCluster.WaitUntil(() => gls[other].State == LockState.Unlocked, $"round {i}: node {other} back to UN");
            }
            Assert.Equal(["refresh", "held EX"], targets[me].Events.TakeLast(2)); // re-read after the invalidation
            h.Dq();
        }
        // Node 1 took the lock from node 0 rounds/2 times, node 0 took it back rounds/2 - 1 times.
        Assert.Equal(rounds / 2, targets[0].Count("inval meta"));
        Assert.Equal(rounds / 2 - 1, targets[1].Count("inval meta"));
        Assert.Equal(rounds - 1, gls[0].Statistics.Demotes + gls[1].Statistics.Demotes);
        cluster.AssertNoWorkerFailure();
    }
}
