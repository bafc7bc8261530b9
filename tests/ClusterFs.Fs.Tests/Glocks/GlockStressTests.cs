using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>Real threads contending on one glock from two nodes: EX is mutually exclusive cluster-wide, nothing hangs.</summary>
public class GlockStressTests
{
    [Fact]
    public async Task Threads_on_two_nodes_taking_EX_and_SH_never_overlap_an_EX_holder()
    {
        using var cluster = new GlockCluster(2);
        var gls = cluster.Nodes.Select(n => n.Get(1, InodeGlockOperations.Instance)).ToArray();
        int exclusive = 0, shared = 0, violations = 0;
        long total = 0;
        const int threadsPerNode = 2, iterations = 150;

        var tasks = new List<Task>();
        for (int t = 0; t < threadsPerNode * gls.Length; t++)
        {
            var gl = gls[t % gls.Length];
            int seed = t;
            tasks.Add(Task.Factory.StartNew(() =>
            {
                var rnd = new Random(seed);
                for (int i = 0; i < iterations; i++)
                {
                    bool ex = rnd.Next(3) == 0;
                    var h = new GlockHolder(gl, ex ? LockState.Exclusive : LockState.Shared);
                    var r = h.Nq();
                    if (!r.IsOk)
                        throw new InvalidOperationException($"Nq failed: {r}");
                    if (ex)
                    {
                        if (Interlocked.Increment(ref exclusive) != 1 || Volatile.Read(ref shared) != 0)
                            Interlocked.Increment(ref violations);
                        total++; // unsynchronised on purpose: EX must make this safe
                        Interlocked.Decrement(ref exclusive);
                    }
                    else
                    {
                        Interlocked.Increment(ref shared);
                        if (Volatile.Read(ref exclusive) != 0)
                            Interlocked.Increment(ref violations);
                        Interlocked.Decrement(ref shared);
                    }
                    h.Dq();
                }
            }, TaskCreationOptions.LongRunning));
        }
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, violations);
        Assert.True(total > 0);
        cluster.AssertNoWorkerFailure();
    }
}
