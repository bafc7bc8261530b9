namespace ClusterFs.Fs.LockManagers;

/// <summary>Lock states with gfs2's numeric values (LM_ST_*). SH~SH, DF~DF, EX~nothing.</summary>
public enum LockState : byte
{
    Unlocked = 0,
    Exclusive = 1,
    Deferred = 2,
    Shared = 3,
}
