namespace ClusterFs.XfsTests.Native;

/// <summary>
/// A misbehaving filesystem for the harness's own tests: installed through
/// <see cref="Posix.Faults"/>, it may alter what reads return and where seeks land, so the unit
/// tests can prove a ported test fails when the filesystem is wrong. Never installed by check.
/// </summary>
internal interface IPosixFaults
{
    /// <summary>Called after a successful read of <paramref name="result"/> bytes into <paramref name="data"/>; returns the result to report.</summary>
    long AfterRead(Span<byte> data, long result);

    /// <summary>Called after lseek with the offset it returned (or -errno); returns the result to report.</summary>
    long AfterLseek(int whence, long result);
}
