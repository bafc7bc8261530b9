using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>Many concurrent requests from three etcd nodes on two locks: exclusion holds and every request completes once.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdStressTests(EtcdFixture etcd)
{
    private const int RoundsPerNode = 25;
    private static readonly LockState[] s_states = [LockState.Exclusive, LockState.Shared, LockState.Deferred];
    private static readonly LockName[] s_locks = [new(2, 1), new(2, 2)];

    [EtcdFact]
    public async Task Random_requests_from_three_nodes_never_grant_incompatible_states_and_all_complete()
    {
        etcd.EnsureAvailable();
        var clock = new EventClock();
        string table = etcd.UniqueTable("stress");
        var nodes = Enumerable.Range(0, 3).Select(_ => EtcdNode.Mount(etcd, clock, table)).ToArray();
        // What each node believes it holds, per lock; checked at every grant against the other nodes.
        var held = new Dictionary<(LockName, int), LockState>();
        var violations = new List<string>();
        try
        {
            var workers = nodes.Select((node, index) => Task.Run(async () =>
            {
                var random = new Random(1000 + index); // Fixed seeds: the same request mix every run.
                for (int round = 0; round < RoundsPerNode; round++)
                {
                    var name = s_locks[random.Next(s_locks.Length)];
                    var state = s_states[random.Next(s_states.Length)];
                    var c = await node.LockAsync(name, LockState.Unlocked, state);
                    Assert.Equal((state, LockStatus.Granted), (c.State, c.Status));
                    lock (held)
                    {
                        foreach (var ((other, otherNode), otherState) in held)
                        {
                            if (other == name && otherNode != index && !Compatible(otherState, state))
                                violations.Add($"node {index} granted {state} on {name} while node {otherNode} held {otherState}");
                        }
                        held[(name, index)] = state;
                    }
                    // Hold it for a moment of work (a workload, not synchronisation), so that overlapping grants would meet here.
                    await Task.Delay(random.Next(0, 4));
                    lock (held) held.Remove((name, index)); // Stop using the lock before asking to release it.
                    var released = await node.LockAsync(name, state, LockState.Unlocked);
                    Assert.Equal(LockStatus.Granted, released.Status);
                }
            })).ToArray();
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(45)); // TimeoutException fails the test
            Assert.Empty(violations);
            foreach (var n in nodes)
            {
                foreach (var name in s_locks) Assert.False(n.Callbacks.HasCompletion(name), "a request completed more than once");
            }
        }
        finally
        {
            foreach (var n in nodes) n.Dispose();
        }
    }

    private static bool Compatible(LockState a, LockState b) => a == b && a != LockState.Exclusive;
}
