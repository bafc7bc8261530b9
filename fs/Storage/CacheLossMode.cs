namespace ClusterFs.Fs.Storage;

/// <summary>
/// Which of the writes held in a volatile write cache (issued since the last flush) survive a simulated power
/// failure in <see cref="FaultInjectingDevice"/>.
/// </summary>
public enum CacheLossMode
{
    /// <summary>The survivors are a prefix of the unflushed writes in issue order (the lost ones are a suffix);
    /// the last survivor may be torn at a sector boundary. Models an in-order cache.</summary>
    LoseSuffix,

    /// <summary>Each unflushed write independently survives whole, is lost, or survives torn (a prefix of its
    /// sectors). Models a reordering cache (what real disks may do); the strictest model.</summary>
    LoseAnySubset,
}
