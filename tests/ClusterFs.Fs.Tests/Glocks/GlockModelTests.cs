using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>
/// Randomised model test: random enqueue / dequeue (release or cancel) / reclaim (demote) sequences
/// across three in-process nodes. After every step, once the workers are idle: no two nodes hold
/// incompatible states (in their glocks and in the lock space), and each granted holder is covered by
/// its node's state. At the end, releasing holders as they are granted drains every waiter.
/// </summary>
public class GlockModelTests
{
    private const int Nodes = 3;
    private const int Locks = 2;

    /// <summary>One step: kind 0 = enqueue, 1 = dequeue, 2 = reclaim, 3 = clock tick (100 ms).</summary>
    public readonly record struct Step(int Kind, int Node, int Lock, LockState State, GlockHolderFlags Flags, int Pick)
    {
        public override string ToString() => Kind switch
        {
            0 => $"nq(n{Node}, l{Lock}, {LockStateRules.ShortName(State)}, {Flags})",
            1 => $"dq(#{Pick})",
            2 => $"reclaim(n{Node})",
            _ => "tick",
        };
    }

    internal static Gen<Step> StepGen()
    {
        var states = Gen.Elements(LockState.Shared, LockState.Deferred, LockState.Exclusive);
        var flags = Gen.Elements(GlockHolderFlags.None, GlockHolderFlags.None, GlockHolderFlags.Try, GlockHolderFlags.TryOneCallback,
                                 GlockHolderFlags.Any, GlockHolderFlags.Exact, GlockHolderFlags.NoCache);
        var nq = from n in Gen.Choose(0, Nodes - 1)
                 from l in Gen.Choose(0, Locks - 1)
                 from s in states
                 from f in flags
                 select new Step(0, n, l, s, f, 0);
        var dq = from p in Gen.Choose(0, 1000) select new Step(1, 0, 0, default, default, p);
        var reclaim = from n in Gen.Choose(0, Nodes - 1) select new Step(2, n, 0, default, default, 0);
        var tick = Gen.Constant(new Step(3, 0, 0, default, default, 0));
        return Gen.Frequency((5, nq), (4, dq), (1, reclaim), (1, tick));
    }

    [Fact]
    public void Random_operations_on_three_nodes_never_grant_incompatible_states_and_every_waiter_is_granted()
    {
        var arb = Gen.ListOf(StepGen()).Select(l => l.ToArray()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithEndSize(30), Prop.ForAll(arb, steps => Run(steps, TimeSpan.Zero)));
    }

    [Fact]
    public void Random_operations_with_inode_glocks_and_a_minimum_hold_time_keep_the_invariant_and_drain()
    {
        var arb = Gen.ListOf(StepGen()).Select(l => l.ToArray()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200).WithEndSize(30),
            Prop.ForAll(arb, steps => Run(steps, TimeSpan.FromMilliseconds(200))));
    }

    private static bool Run(Step[] steps, TimeSpan minHoldTime)
    {
        using var cluster = new GlockCluster(Nodes, minHoldTime);
        IGlockOperations ops = minHoldTime > TimeSpan.Zero ? InodeGlockOperations.Instance : RgrpGlockOperations.Instance;
        var glocks = new Glock[Nodes, Locks];
        for (int n = 0; n < Nodes; n++)
            for (int l = 0; l < Locks; l++)
                glocks[n, l] = cluster.Nodes[n].Get((ulong)l + 1, ops);
        var active = new List<(int Node, int Lock, GlockHolder Holder)>();
        long owner = 1;

        foreach (var step in steps)
        {
            ApplyStep(step, glocks, cluster.Nodes, cluster.Clock, active, ref owner);
            cluster.Quiesce();
            active.RemoveAll(a => !a.Holder.IsQueued); // failed tries
            CheckInvariant(cluster, glocks, active, step);
        }

        // Liveness: release whatever is granted and let hold times pass; once idle, some waiter must be
        // granted within a few rounds (a grant that lands right after a clock step starts a new hold time).
        int idleRounds = 0;
        while (active.Count > 0)
        {
            foreach (var g in active.Where(a => a.Holder.IsHolder).ToList())
            {
                g.Holder.Dq();
                active.Remove(g);
            }
            cluster.Quiesce();
            cluster.Clock.Advance(TimeSpan.FromSeconds(1));
            cluster.Quiesce();
            active.RemoveAll(a => !a.Holder.IsQueued);
            CheckInvariant(cluster, glocks, active, default);
            idleRounds = active.Any(a => a.Holder.IsHolder) ? 0 : idleRounds + 1;
            if (active.Count > 0 && idleRounds > 4)
                throw new InvalidOperationException("waiters remain with no holder and idle workers:\n" + Dump(cluster));
        }
        cluster.AssertNoWorkerFailure();
        return true;
    }

    private static void CheckInvariant(GlockCluster cluster, Glock[,] glocks, List<(int Node, int Lock, GlockHolder Holder)> active, Step step)
    {
        for (int l = 0; l < Locks; l++)
        {
            var lm = cluster.Space.GrantedStates(glocks[0, l].Name);
            for (int a = 0; a < Nodes; a++)
            {
                var sa = glocks[a, l].State;
                if (lm.GetValueOrDefault(a) != sa)
                    throw new InvalidOperationException($"after {step}: node {a} lock {l} glock {sa} but lock space {lm.GetValueOrDefault(a)}");
                for (int b = a + 1; b < Nodes; b++)
                {
                    if (!LockStateRules.Compatible(sa, glocks[b, l].State))
                        throw new InvalidOperationException($"after {step}: nodes {a} and {b} hold {sa} and {glocks[b, l].State} on lock {l}\n" + Dump(cluster));
                }
            }
        }
        foreach (var (node, l, h) in active.Where(x => x.Holder.IsHolder))
        {
            var s = glocks[node, l].State;
            bool covered = s == h.State || s == LockState.Exclusive ||
                           ((h.Flags & GlockHolderFlags.Any) != 0 && s != LockState.Unlocked);
            if (!covered)
                throw new InvalidOperationException($"after {step}: holder {h.State} granted on node {node} lock {l} in state {s}");
        }
    }

    private static string Dump(GlockCluster cluster) =>
        string.Join("", cluster.Nodes.Select((n, i) => $"node {i}:\n{n.Dump()}"));

    /// <summary>Applies one model step to a cluster (shared by this test and its etcd variant): 0 enqueue (ASYNC,
    /// a fresh owner), 1 dequeue a random active holder, 2 reclaim on a node, otherwise advance the clock.</summary>
    internal static void ApplyStep(Step step, Glock[,] glocks, GlockTable[] nodes, ManualGlockClock clock,
        List<(int Node, int Lock, GlockHolder Holder)> active, ref long owner)
    {
        switch (step.Kind)
        {
            case 0:
                var h = new GlockHolder(glocks[step.Node, step.Lock], step.State, step.Flags | GlockHolderFlags.Async, new GlockOwner(owner++));
                var r = h.Nq();
                if (!r.IsOk)
                    throw new InvalidOperationException($"{step}: ASYNC enqueue returned {r}");
                active.Add((step.Node, step.Lock, h));
                break;
            case 1:
                if (active.Count > 0)
                {
                    int i = step.Pick % active.Count;
                    active[i].Holder.Dq();
                    active.RemoveAt(i);
                }
                break;
            case 2:
                nodes[step.Node].Reclaim();
                break;
            default:
                clock.Advance(TimeSpan.FromMilliseconds(100));
                break;
        }
    }
}
