namespace ClusterFs.Fs.Files;

/// <summary>Test-only switches for <see cref="Gfs2DirectIo"/> that restore unfixed behaviour, to prove the
/// fixes matter. Callers pass <see cref="None"/> outside tests.</summary>
[Flags]
public enum DirectIoUnfixedModes : byte
{
    None = 0,
    /// <summary>Pre-5.16 gfs2: the direct I/O runs under the glock with page faults enabled, GUP may fault,
    /// and there is no drop-fault-in-retry loop (a buffer mapping the same file recurses into the glock).</summary>
    FaultsUnderGlock = 1 << 0,
    /// <summary>GUP with FOLL_FAST_ONLY instead of FOLL_NOFAULT (the generic/208 livelock): pages behind the
    /// shared zero page are never found, so the retry loop makes no progress until its cap.</summary>
    GupFastOnly = 1 << 1,
}
