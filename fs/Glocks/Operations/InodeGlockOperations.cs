using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Glocks.Operations;

/// <summary>
/// Inode glocks (gfs2's gfs2_inode_glops): protect an inode's data pages and dinode. Sync writes the
/// inode back on every transition; Invalidate drops the page cache for UN and DF and, for UN, the
/// metadata too (so the dinode is re-read by Instantiate); remote demotes honour the minimum hold time.
/// </summary>
public sealed class InodeGlockOperations : GlockOperationsBase
{
    public static InodeGlockOperations Instance { get; } = new();

    private InodeGlockOperations() { }

    public override GlockType Type => GlockType.Inode;
    public override string Name => "inode";

    public override GlockOperationFlags Flags =>
        GlockOperationFlags.Sync | GlockOperationFlags.Invalidate | GlockOperationFlags.Instantiate |
        GlockOperationFlags.Held | GlockOperationFlags.MinHoldTime;

    public override Errno Sync(Glock glock, LockState target) => glock.Target?.Sync(glock.State, target) ?? Errno.OK;

    public override void Invalidate(Glock glock, LockState target) => glock.Target?.Invalidate(metadata: target == LockState.Unlocked);

    public override Errno Instantiate(Glock glock) => glock.Target?.Refresh() ?? Errno.OK;

    public override Errno Held(GlockHolder holder) => holder.Glock.Target?.Held(holder.State) ?? Errno.OK;
}
