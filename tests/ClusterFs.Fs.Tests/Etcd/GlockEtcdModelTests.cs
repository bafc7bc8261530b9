using System.Globalization;
using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.LockManagers.Etcd;
using ClusterFs.Fs.Tests.Glocks;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>
/// The randomised three-node glock model test (<see cref="GlockModelTests"/>) over real etcd lock managers, in a
/// smaller variant (rgrp glocks; inode glocks with a minimum hold time). etcd answers asynchronously, so there is no quiescent point after a step: the invariant is
/// checked against etcd's own record instead, which is atomic. After every step: the holder keys in etcd never
/// show two nodes in incompatible states, and every granted holder is covered by its node's holder key (a key
/// only goes away after the node's holders did). At the end, releasing holders as they are granted drains
/// every waiter.
/// </summary>
[Collection(EtcdCollection.Name)]
public sealed class GlockEtcdModelTests(EtcdFixture etcd)
{
    private const int Nodes = 3;
    private const int Locks = 2;
    private volatile string _phase = "";
    private volatile EtcdGlockCluster? _cluster;
    private static readonly TimeSpan s_caseBound = TimeSpan.FromSeconds(60);

    [EtcdFact]
    public void Random_operations_on_three_etcd_nodes_never_grant_incompatible_states_and_every_waiter_is_granted()
    {
        etcd.EnsureAvailable();
        var arb = Gen.ListOf(GlockModelTests.StepGen()).Select(l => l.ToArray()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100).WithEndSize(25), Prop.ForAll(arb, steps => RunBounded(steps, TimeSpan.Zero)));
    }

    [EtcdFact]
    public void Random_operations_with_inode_glocks_and_a_minimum_hold_time_over_etcd_keep_the_invariant_and_drain()
    {
        etcd.EnsureAvailable();
        var arb = Gen.ListOf(GlockModelTests.StepGen()).Select(l => l.ToArray()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100).WithEndSize(25),
            Prop.ForAll(arb, steps => RunBounded(steps, TimeSpan.FromMilliseconds(200))));
    }

    /// <summary>
    /// The case this model first failed on (replay 3812396439346960192,8565725304154503055,18): node 2 converts SH->EX,
    /// is refused, and goes through UN; the dequeue of its EX holder sent its cancel during the unlock step, which
    /// the lock manager cannot cancel, so the glock went on to ask for EX and the dequeue waited forever. Timing
    /// decides whether the cancel lands in that window, so the case runs several times (it hung on the first run
    /// before the fix).
    /// </summary>
    [EtcdFact]
    public void A_holder_dequeued_while_its_conversion_goes_through_UN_is_cancelled_and_the_case_drains()
    {
        etcd.EnsureAvailable();
        const LockState D = LockState.Deferred, S = LockState.Shared, X = LockState.Exclusive;
        GlockModelTests.Step[] steps =
        [
            Dq(12), new(3, 0, 0, default, default, 0), Nq(1, 1, D, GlockHolderFlags.Any), Nq(0, 0, X, GlockHolderFlags.Exact), Dq(552), Dq(497),
            Nq(0, 1, S, GlockHolderFlags.None), Nq(2, 1, D, GlockHolderFlags.Any), Nq(2, 1, X, GlockHolderFlags.Exact), Dq(346),
            Nq(1, 0, X, GlockHolderFlags.Try), Dq(37), Nq(0, 0, S, GlockHolderFlags.NoCache), Dq(844),
        ];
        for (int i = 0; i < 8; i++)
            Assert.True(RunBounded(steps, TimeSpan.Zero));
    }

    private static GlockModelTests.Step Nq(int node, int l, LockState s, GlockHolderFlags f) => new(0, node, l, s, f, 0);

    private static GlockModelTests.Step Dq(int pick) => new(1, 0, 0, default, default, pick);

    /// <summary>Runs one case on another thread so that a hang (a lost reply or cancel) fails the case instead of the whole run.</summary>
    private bool RunBounded(GlockModelTests.Step[] steps, TimeSpan minHoldTime)
    {
        var run = Task.Run(() => Run(steps, minHoldTime));
        if (!run.Wait(s_caseBound))
            throw new TimeoutException($"case did not finish within {s_caseBound.TotalSeconds} s (at {_phase}): {string.Join(", ", steps)}\n" + (_cluster is { } c ? Dump(c) : ""));
        return run.Result;
    }

    private bool Run(GlockModelTests.Step[] steps, TimeSpan minHoldTime)
    {
        _phase = "setup";
        using var cluster = new EtcdGlockCluster(etcd, Nodes, "glock-model", minHoldTime);
        _cluster = cluster;
        IGlockOperations ops = minHoldTime > TimeSpan.Zero ? InodeGlockOperations.Instance : RgrpGlockOperations.Instance;
        using var client = new EtcdClient(etcd.ClientUrl, EtcdGlockCluster.Bound);
        var keys = new EtcdLockKeys(cluster.Table);
        var glocks = new Glock[Nodes, Locks];
        for (int n = 0; n < Nodes; n++)
            for (int l = 0; l < Locks; l++)
                glocks[n, l] = cluster.Nodes[n].Get((ulong)l + 1, ops);
        var active = new List<(int Node, int Lock, GlockHolder Holder)>();
        long owner = 1;

        foreach (var step in steps)
        {
            _phase = step.ToString();
            GlockModelTests.ApplyStep(step, glocks, cluster.Nodes, cluster.Clock, active, ref owner);
            active.RemoveAll(a => !a.Holder.IsQueued); // failed tries
            CheckInvariant(cluster, client, keys, active, step.ToString());
        }

        // Liveness: release whatever is granted; some remaining waiter must be granted (or fail, for tries) within the bound.
        while (active.Count > 0)
        {
            foreach (var g in active.Where(a => a.Holder.IsHolder).ToList())
            {
                _phase = "drain dq " + g.Node + " " + g.Lock;
                g.Holder.Dq();
                active.Remove(g);
            }
            active.RemoveAll(a => !a.Holder.IsQueued);
            if (active.Count == 0)
                break;
            var waiting = active.ToArray();
            // Time passes while we wait (a grant that lands meanwhile starts a new hold time on the manual clock).
            EtcdGlockCluster.WaitUntil(() =>
                {
                    cluster.Clock.Advance(TimeSpan.FromMilliseconds(20));
                    return waiting.Any(a => a.Holder.IsHolder || !a.Holder.IsQueued);
                },
                "no waiter granted after every holder was released:\n" + Dump(cluster));
            CheckInvariant(cluster, client, keys, active, "drain");
        }
        cluster.AssertNoWorkerFailure();
        _phase = "dispose";
        return true;
    }

    private static void CheckInvariant(EtcdGlockCluster cluster, EtcdClient client, EtcdLockKeys keys,
        List<(int Node, int Lock, GlockHolder Holder)> active, string after)
    {
        // Granted holders first: they stay granted until this thread dequeues them, so etcd read later must cover them.
        var granted = active.Where(a => a.Holder.IsHolder).ToArray();
        var read = client.RangeAsync(keys.LocksPrefix, EtcdClient.PrefixEnd(keys.LocksPrefix)).GetAwaiter().GetResult();
        if (!read.IsOk)
            throw new InvalidOperationException($"after {after}: etcd read failed: {read.Message}");
        var nodeIndex = Enumerable.Range(0, Nodes).ToDictionary(i => cluster.Managers[i].NodeId, StringComparer.Ordinal);
        var held = new LockState[Nodes, Locks];
        foreach (var kv in read.Value!.Kvs)
        {
            if (!keys.TryParseLockKey(kv.Key, out var name, out char kind, out string node) || kind != 'h')
                continue;
            int l = (int)name.Number - 1;
            held[nodeIndex[node], l] = (LockState)byte.Parse(kv.Value, CultureInfo.InvariantCulture);
        }
        for (int l = 0; l < Locks; l++)
        {
            for (int a = 0; a < Nodes; a++)
            {
                for (int b = a + 1; b < Nodes; b++)
                {
                    if (!LockStateRules.Compatible(held[a, l], held[b, l]))
                        throw new InvalidOperationException($"after {after}: etcd shows nodes {a} and {b} holding {held[a, l]} and {held[b, l]} on lock {l}\n" + Dump(cluster));
                }
            }
        }
        foreach (var (node, l, h) in granted)
        {
            var s = held[node, l];
            bool covered = s == h.State || s == LockState.Exclusive || ((h.Flags & GlockHolderFlags.Any) != 0 && s != LockState.Unlocked);
            if (!covered)
                throw new InvalidOperationException($"after {after}: holder {h.State} granted on node {node} lock {l} but etcd shows {s}\n" + Dump(cluster));
        }
    }

    private static string Dump(EtcdGlockCluster cluster) =>
        string.Join("", cluster.Nodes.Select((n, i) => $"node {i}:\n{n.Dump()}"));
}
