namespace ClusterFs.Fs.Glocks.Operations;

/// <summary>Filesystem-wide metadata glock (gfs2's gfs2_meta_glops): no per-object caches to write back or drop.</summary>
public sealed class MetaGlockOperations : GlockOperationsBase
{
    public static MetaGlockOperations Instance { get; } = new();

    private MetaGlockOperations() { }

    public override GlockType Type => GlockType.Meta;
    public override string Name => "meta";
    public override GlockOperationFlags Flags => GlockOperationFlags.None;
}
