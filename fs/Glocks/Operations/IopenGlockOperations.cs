namespace ClusterFs.Fs.Glocks.Operations;

/// <summary>Iopen glocks (gfs2's gfs2_iopen_glops): held SH while a node has the inode open. Deferred delete on a remote demote belongs to the inode layer (not yet built).</summary>
public sealed class IopenGlockOperations : GlockOperationsBase
{
    public static IopenGlockOperations Instance { get; } = new();

    private IopenGlockOperations() { }

    public override GlockType Type => GlockType.Iopen;
    public override string Name => "iopen";
    public override GlockOperationFlags Flags => GlockOperationFlags.None;
}
