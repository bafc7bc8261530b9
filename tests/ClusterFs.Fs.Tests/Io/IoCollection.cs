namespace ClusterFs.Fs.Tests.Io;

/// <summary>The I/O tests share process-wide state (IoDebugSwitches, the page-fault recursion reports): they run
/// one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IoCollection
{
    public const string Name = "Io";
}
