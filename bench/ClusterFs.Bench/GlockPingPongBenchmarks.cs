using BenchmarkDotNet.Attributes;
using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Bench;

/// <summary>
/// EX ping-pong of one inode glock between two nodes on an in-process lock space (minimum hold time
/// 0, so every acquire takes the lock from the other node: blocking callback, its worker syncs,
/// invalidates and releases, the grant comes back). One operation = one transfer. Baseline: a
/// round trip through the thread pool, the floor for anything that needs another thread to act.
/// </summary>
public class GlockPingPongBenchmarks
{
    private InProcessLockSpace _space = null!;
    private GlockTable _a = null!, _b = null!;
    private GlockHolder _ha = null!, _hb = null!;

    [GlobalSetup]
    public void Setup()
    {
        _space = new InProcessLockSpace("bench:fs", 2);
        var options = new GlockTableOptions { MinHoldTime = TimeSpan.Zero };
        _a = new GlockTable(_space.CreateManager(), options);
        _b = new GlockTable(_space.CreateManager(), options);
        _a.Mount("bench:fs", 2, 0);
        _b.Mount("bench:fs", 2, 1);
        _ha = new GlockHolder(_a.Get(1, InodeGlockOperations.Instance), LockState.Exclusive);
        _hb = new GlockHolder(_b.Get(1, InodeGlockOperations.Instance), LockState.Exclusive);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int ThreadPoolRoundTrip() => Task.Run(static () => 1).GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = 2)]
    public int ExTransferBetweenNodes()
    {
        int r = _ha.Nq().Value;
        _ha.Dq();
        r |= _hb.Nq().Value;
        _hb.Dq();
        return r;
    }
}
