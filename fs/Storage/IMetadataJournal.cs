using ClusterFs.Iov;

namespace ClusterFs.Fs.Storage;

/// <summary>A node's journal as the metadata code sees it: a source of transactions.</summary>
public interface IMetadataJournal
{
    /// <summary>Starts a transaction. Transactions of one node commit in the order Commit is called.</summary>
    IMetadataTransaction Begin();

    /// <summary>
    /// Makes every committed transaction durable in place and empties the log, so a replay after this node dies
    /// cannot write those images over changes another node makes once this node lets the lock go (gfs2 writes
    /// revokes when a glock's metadata leaves the AIL for the same reason). Runs before a glock protecting metadata
    /// leaves EX. Returns OK or the device error. Default: nothing to do (a journal without a log).
    /// </summary>
    Errno Checkpoint() => Errno.OK;
}
