namespace ClusterFs.Fs.Glocks.Operations;

/// <summary>
/// Iopen glocks (gfs2's gfs2_iopen_glops): held SH by every node that uses the inode. A node that wants to free an
/// unlinked inode asks for EX with TRY_1CB; the holders' callback (iopen_go_callback) tells their inode layer, so the
/// last node to stop using the inode frees it.
/// </summary>
public sealed class IopenGlockOperations : GlockOperationsBase
{
    public static IopenGlockOperations Instance { get; } = new();

    private IopenGlockOperations() { }

    public override GlockType Type => GlockType.Iopen;
    public override string Name => "iopen";
    public override GlockOperationFlags Flags => GlockOperationFlags.Callback;

    /// <summary>Only remote requests matter: a local NOCACHE release is this node's own delete attempt ending.</summary>
    public override void Callback(Glock glock, bool remote)
    {
        if (remote) glock.Target?.RemoteDemoteRequested();
    }
}
