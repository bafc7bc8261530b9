namespace ClusterFs.Fs.Glocks.Operations;

/// <summary>Non-disk glocks (rename, freeze, mount): pure cluster mutexes with no cache.</summary>
public sealed class NondiskGlockOperations : GlockOperationsBase
{
    public static NondiskGlockOperations Instance { get; } = new();

    private NondiskGlockOperations() { }

    public override GlockType Type => GlockType.Nondisk;
    public override string Name => "nondisk";
    public override GlockOperationFlags Flags => GlockOperationFlags.None;
}
