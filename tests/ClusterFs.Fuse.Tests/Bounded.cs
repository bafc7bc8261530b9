namespace ClusterFs.Fuse.Tests;

/// <summary>Bounded waits for conditions that asynchronous kernel requests (release, forget) make true.</summary>
internal static class Bounded
{
    /// <summary>
    /// Waits until <paramref name="condition"/> holds, re-checking each time <paramref name="changed"/>
    /// is signalled; returns false if <paramref name="timeout"/> passes first.
    /// </summary>
    public static bool WaitUntil(Func<bool> condition, WaitHandle changed, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !changed.WaitOne(left))
                return condition();
        }
        return true;
    }
}
