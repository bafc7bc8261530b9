using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Glocks.Operations;

/// <summary>
/// Resource-group glocks (gfs2's gfs2_rgrp_glops): protect an rgrp's header and bitmaps. Never DF;
/// invalidation always drops the metadata, and the header is re-read on the next grant.
/// </summary>
public sealed class RgrpGlockOperations : GlockOperationsBase
{
    public static RgrpGlockOperations Instance { get; } = new();

    private RgrpGlockOperations() { }

    public override GlockType Type => GlockType.Rgrp;
    public override string Name => "rgrp";

    public override GlockOperationFlags Flags =>
        GlockOperationFlags.Sync | GlockOperationFlags.Invalidate | GlockOperationFlags.Instantiate;

    public override Errno Sync(Glock glock, LockState target) => glock.Target?.Sync(glock.State, target) ?? Errno.OK;

    public override void Invalidate(Glock glock, LockState target) => glock.Target?.Invalidate(metadata: true);

    public override Errno Instantiate(Glock glock) => glock.Target?.Refresh() ?? Errno.OK;
}
