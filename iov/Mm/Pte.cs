namespace ClusterFs.Iov.Mm;

/// <summary>
/// One page-table entry. Immutable: the table swaps whole entries atomically (compare-and-swap), so
/// the lockless walkers (user copies, GUP-fast) never see a torn entry, the way hardware reads a PTE
/// in one load.
/// </summary>
public sealed class Pte
{
    internal const PteFlags ReadableMask = PteFlags.Present | PteFlags.ProtNone;
    internal const PteFlags WritableMask = PteFlags.Present | PteFlags.ProtNone | PteFlags.Writable;

    public Pte(Page? page, PteFlags flags)
    {
        if ((flags & PteFlags.Present) != 0 && page is null)
            throw new ArgumentException("a present PTE needs a page", nameof(page));
        Page = page;
        Flags = flags;
    }

    /// <summary>The mapped frame (null only for a non-present marker entry).</summary>
    public Page? Page { get; }

    public PteFlags Flags { get; }

    public bool IsPresent => (Flags & PteFlags.Present) != 0;
    public bool IsWritable => (Flags & PteFlags.Writable) != 0;
    public bool IsDirty => (Flags & PteFlags.Dirty) != 0;
    public bool IsAccessed => (Flags & PteFlags.Accessed) != 0;
    public bool IsSpecial => (Flags & PteFlags.Special) != 0;
    public bool IsUffdWp => (Flags & PteFlags.UffdWp) != 0;

    /// <summary>True when a plain read may go through without a fault.</summary>
    internal bool AllowsRead => (Flags & ReadableMask) == PteFlags.Present;

    /// <summary>True when a plain write may go through without a fault.</summary>
    internal bool AllowsWrite => (Flags & WritableMask) == (PteFlags.Present | PteFlags.Writable);

    /// <summary>A copy with <paramref name="set"/> bits set and <paramref name="clear"/> bits cleared.</summary>
    internal Pte With(PteFlags set, PteFlags clear = PteFlags.None) => new(Page, (Flags | set) & ~clear);

    public override string ToString() => $"Pte({Flags})";
}
