namespace ClusterFs.Fs.Files;

/// <summary>What one <see cref="Gfs2DirectIo"/> call did, for tests and benchmarks (never needed for
/// correctness). Counters accumulate over the calls that are given the same trace.</summary>
public sealed class DirectIoTrace
{
    /// <summary>Times the glock was enqueued and the direct I/O run (1 + retries).</summary>
    public int Rounds { get; internal set; }

    /// <summary>Rounds that transferred nothing.</summary>
    public int RoundsWithoutProgress { get; internal set; }

    /// <summary>Times the glock was dropped to fault a window in.</summary>
    public int FaultIns { get; internal set; }

    /// <summary>Bytes the direct path transferred (the last cumulative iomap result).</summary>
    public long DirectBytes { get; internal set; }

    /// <summary>True when a direct write gave up after its retry cap (the caller goes buffered).</summary>
    public bool RetryCapHit { get; internal set; }

    /// <summary>True when a direct write went buffered because it extends the file.</summary>
    public bool BeyondEof { get; internal set; }

    /// <summary>Bytes the buffered fallback of <see cref="Gfs2DirectIo.WriteIter"/> wrote.</summary>
    public long BufferedBytes { get; internal set; }
}
