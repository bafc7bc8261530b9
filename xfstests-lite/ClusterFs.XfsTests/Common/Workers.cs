using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace ClusterFs.XfsTests.Common;

/// <summary>
/// Concurrent workers for the racing tests. An exception on a plain thread would kill the whole
/// check run, so every body runs inside a catch; a worker that outlives the bound is reported as a
/// hang instead of blocking the test forever.
/// </summary>
public static class Workers
{
    /// <summary>
    /// Runs each of <paramref name="bodies"/> on its own background thread and waits for all of them
    /// for at most <paramref name="bound"/> in total. Throws TimeoutException naming
    /// <paramref name="what"/> if one is still running, else rethrows the first exception a body threw.
    /// </summary>
    public static void Run(TimeSpan bound, string what, params Action[] bodies)
    {
        var errors = new ConcurrentQueue<ExceptionDispatchInfo>();
        var threads = bodies.Select(body => new Thread(() =>
        {
            try { body(); }
            catch (Exception e) { errors.Enqueue(ExceptionDispatchInfo.Capture(e)); }
        }) { IsBackground = true, Name = what }).ToList();
        threads.ForEach(t => t.Start());
        var clock = Stopwatch.StartNew();
        foreach (var t in threads)
        {
            TimeSpan left = bound - clock.Elapsed;
            if (!t.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
                throw new TimeoutException($"{what}: a worker is still running after {bound.TotalSeconds:0} s (hung)");
        }
        if (errors.TryPeek(out var first)) first.Throw();
    }
}
