namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>gfs2's compatibility rules between states held or wanted by different nodes: SH~SH, DF~DF, EX~nothing, UN~all.</summary>
internal static class EtcdLockRules
{
    public static bool Compatible(LockState a, LockState b) =>
        a == LockState.Unlocked || b == LockState.Unlocked || (a == b && a != LockState.Exclusive);

    /// <summary>The other state an Any request may be granted in (SH for DF and DF for SH), or null.</summary>
    public static LockState? Alternate(LockState s) => s switch
    {
        LockState.Shared => LockState.Deferred,
        LockState.Deferred => LockState.Shared,
        _ => null,
    };
}
