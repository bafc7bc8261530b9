namespace ClusterFs.Fs.Glocks.Operations;

/// <summary>flock(2) glocks (gfs2's gfs2_flock_glops): the same task may take them again, so no recursion trap.</summary>
public sealed class FlockGlockOperations : GlockOperationsBase
{
    public static FlockGlockOperations Instance { get; } = new();

    private FlockGlockOperations() { }

    public override GlockType Type => GlockType.Flock;
    public override string Name => "flock";
    public override GlockOperationFlags Flags => GlockOperationFlags.Recursive;
}
