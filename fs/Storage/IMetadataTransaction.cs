using ClusterFs.Iov;

namespace ClusterFs.Fs.Storage;

/// <summary>
/// One journaled metadata transaction. Every metadata change goes through one. Data blocks written to
/// the device before <see cref="Commit"/> are durable before the metadata that points at them
/// (ordered data): the journal flushes the device before writing the commit record.
/// </summary>
public interface IMetadataTransaction : IDisposable
{
    /// <summary>Records the new full image of metadata block <paramref name="block"/> (filesystem block number).
    /// Logging a block twice keeps the last image.</summary>
    void Log(long block, ReadOnlySpan<byte> image);

    /// <summary>Commits atomically (all or nothing across a crash). On success the images are also written in
    /// place, so a later read of the device sees them. Disposing without committing discards the transaction.</summary>
    Errno Commit();
}
