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
    private static readonly TimeSpan s_caseBound = TimeSpan.FromSeconds(60);

    // Quarantined: this model found a liveness bug that is not fixed yet. About 1 run in 5, a case never drains
    // (every waiter is not granted within 60 s). Falsifying case, replay (3812396439346960192,8565725304154503055,18):
    //   dq(#12); tick; nq(n1, l1, DF, Any); nq(n0, l0, EX, Exact); dq(#552); dq(#497); nq(n0, l1, SH, None);
    //   nq(n2, l1, DF, Any); nq(n2, l1, EX, Exact); dq(#346); nq(n1, l0, EX, Try); dq(#37); nq(n0, l0, SH, NoCache); dq(#844)
    // It mixes DF/SH/EX conversions of one lock on three etcd nodes. The same model over the in-process lock
    // manager (GlockModelTests, 500 cases) passes, so the suspect is the etcd manager's conversion handling.
    private const string Quarantined = "liveness bug under investigation: see the comment above (etcd DF/SH/EX conversions)";

    [EtcdFact(Skip = Quarantined)]
    public void Random_operations_on_three_etcd_nodes_never_grant_incompatible_states_and_every_waiter_is_granted()
    {
        etcd.EnsureAvailable();
        var arb = Gen.ListOf(GlockModelTests.StepGen()).Select(l => l.ToArray()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(20).WithEndSize(25), Prop.ForAll(arb, steps => RunBounded(steps, TimeSpan.Zero)));
    }

    [EtcdFact(Skip = Quarantined)]
    public void Random_operations_with_inode_glocks_and_a_minimum_hold_time_over_etcd_keep_the_invariant_and_drain()
    {
        etcd.EnsureAvailable();
        var arb = Gen.ListOf(GlockModelTests.StepGen()).Select(l => l.ToArray()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(15).WithEndSize(25),
            Prop.ForAll(arb, steps => RunBounded(steps, TimeSpan.FromMilliseconds(200))));
    }

    /// <summary>Runs one case on another thread so that a hang (a lost reply or cancel) fails the case instead of the whole run.</summary>
    private bool RunBounded(GlockModelTests.Step[] steps, TimeSpan minHoldTime)
    {
        var run = Task.Run(() => Run(steps, minHoldTime));
        if (!run.Wait(s_caseBound))
            throw new TimeoutException($"case did not finish within {s_caseBound.TotalSeconds} s: {string.Join(", ", steps)}");
        return run.Result;
    }

    private bool Run(GlockModelTests.Step[] steps, TimeSpan minHoldTime)
    {
        using var cluster = new EtcdGlockCluster(etcd, Nodes, "glock-model", minHoldTime);
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
            GlockModelTests.ApplyStep(step, glocks, cluster.Nodes, cluster.Clock, active, ref owner);
            active.RemoveAll(a => !a.Holder.IsQueued); // failed tries
            CheckInvariant(cluster, client, keys, active, step.ToString());
        }

        // Liveness: release whatever is granted; some remaining waiter must be granted (or fail, for tries) within the bound.
        while (active.Count > 0)
        {
            foreach (var g in active.Where(a => a.Holder.IsHolder).ToList())
            {
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
