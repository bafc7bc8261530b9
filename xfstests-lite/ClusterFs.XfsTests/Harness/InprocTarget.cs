namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// The in-process target: ClusterFs mounted as a node inside this process, user buffers living in the
/// AddressSpace model so fault-in behaviour is observable. The in-process API (issue 5) is not built
/// yet, so this target offers only <see cref="TargetFeatures.InProcess"/>: tests needing paths are
/// notrun on it, and tests needing it (generic/208, generic/647) run here once the API exists.
/// </summary>
public sealed class InprocTarget : TestTarget
{
    public override string Spec => "inproc";

    public override TargetFeatures Features => TargetFeatures.InProcess;

    /// <summary>No directory: in-process tests create their files through the ClusterFs API.</summary>
    public override ScratchArea CreateScratch(string testName) => new(null);
}
