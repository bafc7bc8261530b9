using ClusterFs.XfsTests.Common;

namespace ClusterFs.XfsTests.Tests.Common;

public sealed class WorkersTests
{
    [Fact]
    public void AWorkerExceptionIsRethrownToTheTestInsteadOfKillingTheProcess()
    {
        int ran = 0;
        var e = Assert.Throws<IOException>(() => Workers.Run(TimeSpan.FromSeconds(30), "w",
            () => Interlocked.Increment(ref ran), () => throw new IOException("disk on fire")));
        Assert.Equal("disk on fire", e.Message);
        Assert.Equal(1, ran);
    }

    [Fact]
    public async Task AHungWorkerIsATimeoutWithinTheBound()
    {
        using var release = new ManualResetEventSlim();
        try
        {
            // WaitAsync's own TimeoutException fails the test if Workers.Run ignores its bound.
            await Task.Run(() => Assert.Throws<TimeoutException>(() =>
                Workers.Run(TimeSpan.FromMilliseconds(200), "stuck", () => release.Wait(TimeSpan.FromMinutes(5)))))
                .WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally { release.Set(); }
    }
}
