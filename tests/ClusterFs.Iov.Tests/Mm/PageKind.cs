namespace ClusterFs.Iov.Tests.Mm;

/// <summary>The state of one page in a generated user-memory layout (see <see cref="PageLayout"/>).</summary>
internal enum PageKind
{
    Unmapped,
    WritableAbsent,
    WritableResident,
    WritableZeroPage,
    ReadOnlyAbsent,
    ReadOnlyZeroPage,
    IoFrame,
}
