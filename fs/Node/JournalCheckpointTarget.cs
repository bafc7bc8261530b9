using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Node;

/// <summary>The meta glock's target: no cache of its own; leaving EX checkpoints the node's journal (see
/// <see cref="IMetadataJournal.Checkpoint"/>).</summary>
internal sealed class JournalCheckpointTarget(IMetadataJournal journal) : IGlockTarget
{
    /// <inheritdoc/>
    public Errno Sync(LockState from, LockState to) => from == LockState.Exclusive ? journal.Checkpoint() : Errno.OK;

    /// <inheritdoc/>
    public void Invalidate(bool metadata) { }

    /// <inheritdoc/>
    public Errno Refresh() => Errno.OK;
}
