using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Tests.Harness;

/// <summary>A test whose body is a delegate, for driving the harness.</summary>
internal sealed class FakeTest(Action<TestContext> body) : IXfsTest
{
    public void Run(TestContext ctx) => body(ctx);

    /// <summary>A descriptor for <paramref name="name"/> in <paramref name="groups"/> running <paramref name="body"/>.</summary>
    public static TestDescriptor Describe(string name, string groups, Action<TestContext> body,
        TargetFeatures requires = TargetFeatures.Paths, int timeoutSeconds = 30) =>
        new(name, "fake", groups.Split(' '), requires, TimeSpan.FromSeconds(timeoutSeconds), () => new FakeTest(body));
}
