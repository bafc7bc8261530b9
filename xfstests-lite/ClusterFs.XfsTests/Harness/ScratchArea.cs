namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// One test's scratch space. For a path target it is a fresh directory, removed (recursively) on
/// dispose; for the in-process target it has no path and its cleanup (unmount + fsck) is a callback
/// whose failure fails the test.
/// </summary>
public sealed class ScratchArea : IDisposable
{
    private Func<string?>? _cleanup;

    public ScratchArea(string? path) => Path = path;

    /// <summary>
    /// A scratch area without a directory whose <paramref name="cleanup"/> runs once on dispose and
    /// returns null when clean or the problem (which then fails the test: <see cref="CleanupFailsTest"/>).
    /// </summary>
    public ScratchArea(Func<string?> cleanup)
    {
        _cleanup = cleanup;
        CleanupFailsTest = true;
    }

    /// <summary>The scratch directory, or null on a target without paths.</summary>
    public string? Path { get; }

    /// <summary>Set when cleanup failed, with the reason (reported in the test's .full log).</summary>
    public string? CleanupError { get; private set; }

    /// <summary>True when a cleanup error makes the test fail (the in-process fsck), not only a note in .full.</summary>
    public bool CleanupFailsTest { get; }

    public void Dispose()
    {
        if (_cleanup is not null)
        {
            var cleanup = _cleanup;
            _cleanup = null;
            CleanupError = cleanup();
            return;
        }
        if (Path is null || !Directory.Exists(Path)) return;
        try { Directory.Delete(Path, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CleanupError = e.Message;
        }
    }
}
