using ClusterFs.Iov;

namespace ClusterFs.Fs.Journal;

/// <summary>What a journal replay (or a read-only inspection) found and did.</summary>
public sealed record ReplayReport
{
    /// <summary>OK, or the error that stopped the replay: EINVAL (bad extent), EUCLEAN (corrupt journal, see
    /// <see cref="Problem"/>), EIO (device error), ENOLCK (the caller no longer holds the journal's lock).</summary>
    public required Errno Error { get; init; }

    /// <summary>One-line description of the error naming the journal block, or null.</summary>
    public string? Problem { get; init; }

    /// <summary>True when the log held committed transactions not known to be checkpointed.</summary>
    public bool WasDirty { get; init; }

    /// <summary>Committed transactions found in the log from the header's tail (all verified).</summary>
    public int TransactionsFound { get; init; }

    /// <summary>Transactions whose images were (or, for an inspection, would be) written in place.</summary>
    public int TransactionsReplayed { get; init; }

    /// <summary>Block images written in place.</summary>
    public int BlocksWritten { get; init; }

    /// <summary>Sequence number of the last committed transaction found (the header's tail sequence minus one when none).</summary>
    public ulong LastSequence { get; init; }

    // State handed to MetadataJournal.Mount: where the next transaction goes.
    internal long NextPosition { get; init; }
    internal ulong NextSequence { get; init; }
    internal ulong JournalId { get; init; }
    internal ulong HeaderGeneration { get; init; }
    internal int HeaderSlot { get; init; }

    internal static ReplayReport Failed(Errno error, string problem) => new() { Error = error, Problem = problem };
}
