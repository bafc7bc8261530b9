namespace ClusterFs.Fs.Inodes;

/// <summary>
/// Where a page-fault handler leaves a glock error for the file operation that caused the fault. A fault
/// handler can only answer SIGBUS/EFAULT to the access, but a glock recursion (gfs2 would BUG() there) must be
/// reported as such: the handler records the diagnostic for the current thread and the file operation, on the
/// same thread, turns it into EDEADLK after its copy. Each node also counts them.
/// </summary>
public static class GlockErrorReports
{
    [ThreadStatic] private static string? t_pending;
    private static long s_total;

    /// <summary>Recursion reports recorded since the process started.</summary>
    public static long Total => Interlocked.Read(ref s_total);

    /// <summary>Records a recursion diagnostic for the current thread.</summary>
    public static void Record(string diagnostic)
    {
        t_pending = diagnostic;
        Interlocked.Increment(ref s_total);
    }

    /// <summary>Returns and clears the current thread's pending diagnostic (null if none).</summary>
    public static string? Take()
    {
        var d = t_pending;
        t_pending = null;
        return d;
    }
}
