using ClusterFs.Fs.Storage;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Fs.Tests.Journal;

public class JournalCrashTests
{
    [Theory]
    [InlineData(CacheLossMode.LoseAnySubset)]
    [InlineData(CacheLossMode.LoseSuffix)]
    public void After_a_crash_at_any_of_200_random_writes_replay_shows_exactly_the_committed_prefix_with_its_ordered_data(CacheLossMode mode)
    {
        var harness = new JournalCrashHarness(seed: 7, transactions: 100);
        long writes = harness.CountWrites();
        var rng = new Random(11);
        var outcomes = new List<JournalCrashHarness.CrashOutcome>();
        for (int c = 0; c < 200; c++)
        {
            long cut = rng.NextInt64(writes + 1);
            outcomes.Add(harness.RunAndCheck(cut, mode, deviceSeed: c));
        }
        // The cuts must have hit both sides of the commit point and needed real replays.
        Assert.Contains(outcomes, o => o.CommitInFlight && o.Recovered == o.Acknowledged + 1);
        Assert.Contains(outcomes, o => o.CommitInFlight && o.Recovered == o.Acknowledged);
        Assert.Contains(outcomes, o => o.Replayed > 0);
    }

    [Fact]
    public void A_crash_at_every_write_of_a_short_workload_keeps_the_committed_prefix()
    {
        var harness = new JournalCrashHarness(seed: 3, transactions: 12);
        long writes = harness.CountWrites();
        for (long cut = 0; cut <= writes; cut++) harness.RunAndCheck(cut, CacheLossMode.LoseAnySubset, deviceSeed: (int)cut);
    }

    [Fact]
    public void Property_random_workloads_cut_at_random_points_recover_to_the_committed_prefix()
    {
        var gen =
            from seed in Gen.Choose(0, 1_000_000)
            from transactions in Gen.Choose(1, 40)
            from cutPermille in Gen.Choose(0, 1000)
            from subset in Gen.Elements(true, false)
            select (seed, transactions, cutPermille, subset);
        Prop.ForAll(Arb.From(gen), c =>
        {
            var harness = new JournalCrashHarness(c.seed, c.transactions);
            long writes = harness.CountWrites();
            harness.RunAndCheck(writes * c.cutPermille / 1000, c.subset ? CacheLossMode.LoseAnySubset : CacheLossMode.LoseSuffix, c.seed);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }
}
