namespace ClusterFs.Fs.LockManagers;

/// <summary>
/// gfs2's state compatibility (fs/gfs2/glock.h, gfs2-glocks.rst): SH~SH, DF~DF, EX~nothing; UN is
/// compatible with everything. Shared by the glock engine and the lock managers so both agree.
/// </summary>
public static class LockStateRules
{
    /// <summary>True when one node (or holder) may hold <paramref name="a"/> while another holds <paramref name="b"/>.</summary>
    public static bool Compatible(LockState a, LockState b)
    {
        if (a == LockState.Unlocked || b == LockState.Unlocked)
            return true;
        return a == b && a != LockState.Exclusive;
    }

    /// <summary>The gfs2 short name: UN, EX, DF, SH.</summary>
    public static string ShortName(LockState s) => s switch
    {
        LockState.Unlocked => "UN",
        LockState.Exclusive => "EX",
        LockState.Deferred => "DF",
        LockState.Shared => "SH",
        _ => "??",
    };
}
