using BenchmarkDotNet.Attributes;
using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Bench;

/// <summary>
/// The glock fast path: acquire + release of a cached, uncontended inode glock (no lock-manager call,
/// no allocation) against an uncontended <c>lock</c> statement, the baseline. Goal: at most 3x.
/// </summary>
[MemoryDiagnoser]
public class GlockAcquireBenchmarks
{
    private readonly object _monitor = new();
    private int _counter;
    private GlockTable _table = null!;
    private GlockHolder _holder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _table = new GlockTable(new NoLockManager());
        _table.Mount("bench:fs", 1);
        var gl = _table.Get(1, InodeGlockOperations.Instance);
        _holder = new GlockHolder(gl, LockState.Exclusive);
        _holder.Nq(); // the first grant asks lock_nolock; the state then stays cached
        _holder.Dq();
    }

    [GlobalCleanup]
    public void Cleanup() => _table.Dispose();

    [Benchmark(Baseline = true)]
    public int LockStatement()
    {
        lock (_monitor)
        {
            return ++_counter;
        }
    }

    [Benchmark]
    public int CachedGlockAcquireRelease()
    {
        var r = _holder.Nq();
        _holder.Dq();
        return r.Value;
    }
}
