using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Glocks.Operations;

/// <summary>Filesystem-wide metadata glock (gfs2's gfs2_meta_glops). Nothing is cached under it, but before it leaves
/// EX the node's journal is checkpointed (the target's Sync), so replaying it later cannot undo what the next
/// holder changes.</summary>
public sealed class MetaGlockOperations : GlockOperationsBase
{
    public static MetaGlockOperations Instance { get; } = new();

    private MetaGlockOperations() { }

    public override GlockType Type => GlockType.Meta;
    public override string Name => "meta";
    public override GlockOperationFlags Flags => GlockOperationFlags.Sync;

    public override Errno Sync(Glock glock, LockState target) => glock.Target?.Sync(glock.State, target) ?? Errno.OK;
}
