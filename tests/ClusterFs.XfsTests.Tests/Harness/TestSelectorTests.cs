using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Tests.Harness;

public sealed class TestSelectorTests
{
    private static readonly IReadOnlyList<TestDescriptor> s_all =
    [
        FakeTest.Describe("generic/001", "auto quick rw", _ => { }),
        FakeTest.Describe("generic/011", "auto quick metadata", _ => { }),
        FakeTest.Describe("generic/013", "auto metadata stress", _ => { }),
        FakeTest.Describe("generic/127", "rw mmap stress", _ => { }),
    ];

    private static string[] Names(IReadOnlyList<TestDescriptor> ts) => ts.Select(t => t.Name).ToArray();

    [Fact]
    public void NoGroupAndNoTestSelectsAuto() =>
        Assert.Equal(["generic/001", "generic/011", "generic/013"], Names(TestSelector.Select(s_all, [], [], [])));

    [Fact]
    public void GroupSelectsItsMembersOnly() =>
        Assert.Equal(["generic/001", "generic/011"], Names(TestSelector.Select(s_all, ["quick"], [], [])));

    [Fact]
    public void ExcludedGroupIsRemovedFromTheSelection() =>
        Assert.Equal(["generic/001", "generic/011"], Names(TestSelector.Select(s_all, ["auto"], ["stress"], [])));

    [Fact]
    public void NamedTestsAreAddedToGroupsAndAcceptTheShortNumber() =>
        Assert.Equal(["generic/001", "generic/011", "generic/127"], Names(TestSelector.Select(s_all, ["quick"], [], ["127"])));

    [Fact]
    public void NamedTestsAloneDoNotPullInAuto() =>
        Assert.Equal(["generic/013"], Names(TestSelector.Select(s_all, [], [], ["generic/013"])));

    [Fact]
    public void UnknownGroupIsAnError() =>
        Assert.Throws<ArgumentException>(() => TestSelector.Select(s_all, ["qiuck"], [], []));

    [Fact]
    public void UnknownTestIsAnError() =>
        Assert.Throws<ArgumentException>(() => TestSelector.Select(s_all, [], [], ["generic/999"]));

    [Fact]
    public void CommaSeparatedGroupsAreSplit()
    {
        var o = CheckOptions.Parse(["-g", "quick,stress", "-x", "mmap", "--target", "inproc", "001"]);
        Assert.Equal(["quick", "stress"], o.IncludeGroups);
        Assert.Equal(["mmap"], o.ExcludeGroups);
        Assert.Equal("inproc", o.Target);
        Assert.Equal(["001"], o.Tests);
    }

    [Fact]
    public void RealTestsDeclareOnlyKnownGroupsAndAllHaveGoldenOutput()
    {
        string[] known = ["auto", "quick", "rw", "aio", "mmap", "dio", "metadata", "stress"];
        var tests = TestRegistry.Discover(typeof(TestRunner).Assembly);
        Assert.NotEmpty(tests);
        string dir = RepoPaths.XfsTestsDir;
        foreach (var t in tests)
        {
            Assert.All(t.Groups, g => Assert.Contains(g, known));
            string golden = Path.Combine(dir, t.Name + ".out");
            Assert.True(File.Exists(golden), $"{t.Name} has no golden output");
            Assert.StartsWith($"QA output created by {t.Number}\n", File.ReadAllText(golden));
            Assert.True(File.Exists(Path.Combine(dir, t.Name + ".cs")), $"{t.Name} is not in tests/{t.Name}.cs");
        }
    }
}
