namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// One test's scratch space. For a path target it is a fresh directory, removed (recursively) on
/// dispose; for the in-process target it has no path.
/// </summary>
public sealed class ScratchArea : IDisposable
{
    public ScratchArea(string? path) => Path = path;

    /// <summary>The scratch directory, or null on a target without paths.</summary>
    public string? Path { get; }

    /// <summary>Set when cleanup failed, with the reason (reported in the test's .full log).</summary>
    public string? CleanupError { get; private set; }

    public void Dispose()
    {
        if (Path is null || !Directory.Exists(Path)) return;
        try { Directory.Delete(Path, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CleanupError = e.Message;
        }
    }
}
