namespace ClusterFs.Fs.Glocks.Operations;

/// <summary>Journal glocks (gfs2's gfs2_journal_glops): a node holds its own journal's EX; recovery takes a dead node's.</summary>
public sealed class JournalGlockOperations : GlockOperationsBase
{
    public static JournalGlockOperations Instance { get; } = new();

    private JournalGlockOperations() { }

    public override GlockType Type => GlockType.Journal;
    public override string Name => "journal";
    public override GlockOperationFlags Flags => GlockOperationFlags.None;
}
