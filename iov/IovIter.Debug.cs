namespace ClusterFs.Iov;

// A test-only switch that restores the unfixed page getting of the generic/208 livelock.
public sealed partial class IovIter
{
    /// <summary>Test-only: when set together with <see cref="NoFault"/>, <see cref="GetPages"/> uses
    /// FOLL_FAST_ONLY instead of FOLL_NOFAULT (the lockless walk only). It then refuses pages that the
    /// NoFault slow path would find, such as the shared zero page behind a read-faulted buffer, so a
    /// fault-in-and-retry loop can never make progress. Never set outside tests.</summary>
    public bool GupFastOnly { get; set; }
}
