using ClusterFs.Fuse.Tests.Doubles;

namespace ClusterFs.Fuse.Tests;

/// <summary>Session and loop options that change how the mount runs still give a working filesystem.</summary>
public sealed class MountOptionTests
{
    private static void RoundTrip(MemoryFsMount m)
    {
        byte[] data = new byte[200_000];
        new Random(9).NextBytes(data);
        string p = m.PathOf("roundtrip");
        File.WriteAllBytes(p, data);
        Assert.Equal(data, File.ReadAllBytes(p));
    }

    [Fact]
    public void Writeback_cache_is_negotiated_only_when_asked_and_data_round_trips()
    {
        using var m = new MemoryFsMount(new FuseMountOptions { Session = new FuseSessionOptions { WritebackCache = true } });
        Assert.True(m.Mount.Session.Connection!.Want.HasFlag(FuseCapabilities.WritebackCache));
        RoundTrip(m);
    }

    [Fact]
    public async Task Clone_fd_with_idle_thread_limit_serves_parallel_readers()
    {
        using var m = new MemoryFsMount(new FuseMountOptions
        {
            Loop = new FuseLoopOptions { CloneFd = true, MaxThreads = 4, MaxIdleThreads = 1 },
        });
        RoundTrip(m);
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() => File.ReadAllBytes(m.PathOf("roundtrip")).Length)).ToArray();
        int[] lengths = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(lengths, n => Assert.Equal(200_000, n));
    }

    [Fact]
    public void Unknown_mount_options_are_rejected_when_the_session_is_created()
    {
        var options = new FuseSessionOptions { ExtraOptions = ["no_such_option_xyz"] };
        Assert.Throws<InvalidOperationException>(() => FuseSession.Create(new MemoryFs(), options).Dispose());
    }
}
