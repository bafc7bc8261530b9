namespace ClusterFs.Fs.Storage;

/// <summary>A node's journal as the metadata code sees it: a source of transactions.</summary>
public interface IMetadataJournal
{
    /// <summary>Starts a transaction. Transactions of one node commit in the order Commit is called.</summary>
    IMetadataTransaction Begin();
}
