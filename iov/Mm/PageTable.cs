namespace ClusterFs.Iov.Mm;

/// <summary>
/// Four-level page table over 47-bit user addresses (8 + 9 + 9 + 9 bits of page number, like x86-64).
/// Entries are swapped with compare-and-swap and tables are created lazily with compare-and-swap, so
/// lookups never lock: copies and GUP-fast walk it without the mmap lock, as hardware and gup_fast do.
/// Entry changes that must be consistent with the VMA layout happen under the mmap lock.
/// </summary>
internal sealed class PageTable
{
    public const int LeafBits = 9;
    public const int LeafSize = 1 << LeafBits;
    private const int TopSize = 256;

    private readonly Pte?[]?[]?[]?[] _pgd = new Pte?[]?[]?[]?[TopSize];

    /// <summary>The leaf table holding <paramref name="vpn"/>'s entry, or null if none was created.</summary>
    public Pte?[]? Leaf(ulong vpn)
    {
        var pud = _pgd[(int)(vpn >> 27) & (TopSize - 1)];
        if (pud is null) return null;
        var pmd = pud[(int)(vpn >> 18) & (LeafSize - 1)];
        if (pmd is null) return null;
        return pmd[(int)(vpn >> 9) & (LeafSize - 1)];
    }

    /// <summary>The leaf table holding <paramref name="vpn"/>'s entry, creating tables as needed.</summary>
    public Pte?[] LeafOrCreate(ulong vpn)
    {
        var pud = GetOrCreate(ref _pgd[(int)(vpn >> 27) & (TopSize - 1)]);
        var pmd = GetOrCreate(ref pud[(int)(vpn >> 18) & (LeafSize - 1)]);
        return GetOrCreate(ref pmd[(int)(vpn >> 9) & (LeafSize - 1)]);
    }

    public Pte? Get(ulong vpn) => Leaf(vpn)?[(int)vpn & (LeafSize - 1)];

    /// <summary>Replaces the entry if it is still <paramref name="expected"/>. Returns false when it changed.</summary>
    public bool CompareExchange(ulong vpn, Pte? expected, Pte? value)
    {
        var leaf = value is null ? Leaf(vpn) : LeafOrCreate(vpn);
        if (leaf is null) return expected is null;
        return ReferenceEquals(Interlocked.CompareExchange(ref leaf[(int)vpn & (LeafSize - 1)], value, expected), expected);
    }

    /// <summary>Clears the entries of [startVpn, endVpn) for which <paramref name="zap"/> is true (all when null).
    /// Returns the number of entries cleared.</summary>
    public long Zap(ulong startVpn, ulong endVpn, Func<Pte, bool>? zap = null)
    {
        long cleared = 0;
        ulong vpn = startVpn;
        while (vpn < endVpn)
        {
            ulong leafEnd = (vpn | (LeafSize - 1)) + 1;
            var leaf = Leaf(vpn);
            if (leaf is not null)
            {
                ulong stop = Math.Min(leafEnd, endVpn);
                for (ulong v = vpn; v < stop; v++)
                {
                    ref Pte? slot = ref leaf[(int)v & (LeafSize - 1)];
                    while (true)
                    {
                        var old = Volatile.Read(ref slot);
                        if (old is null || (zap is not null && !zap(old))) break;
                        if (ReferenceEquals(Interlocked.CompareExchange(ref slot, null, old), old)) { cleared++; break; }
                    }
                }
            }
            vpn = leafEnd;
        }
        return cleared;
    }

    /// <summary>Rewrites every present entry of [startVpn, endVpn) with <paramref name="change"/> (same entry = no change).</summary>
    public void Update(ulong startVpn, ulong endVpn, Func<Pte, Pte> change)
    {
        ulong vpn = startVpn;
        while (vpn < endVpn)
        {
            ulong leafEnd = (vpn | (LeafSize - 1)) + 1;
            var leaf = Leaf(vpn);
            if (leaf is not null)
            {
                ulong stop = Math.Min(leafEnd, endVpn);
                for (ulong v = vpn; v < stop; v++)
                {
                    ref Pte? slot = ref leaf[(int)v & (LeafSize - 1)];
                    while (true)
                    {
                        var old = Volatile.Read(ref slot);
                        if (old is null) break;
                        var now = change(old);
                        if (ReferenceEquals(now, old) || ReferenceEquals(Interlocked.CompareExchange(ref slot, now, old), old)) break;
                    }
                }
            }
            vpn = leafEnd;
        }
    }

    private static T[] GetOrCreate<T>(ref T[]? slot) where T : class?
    {
        var table = Volatile.Read(ref slot);
        if (table is not null) return table;
        var fresh = new T[LeafSize];
        return Interlocked.CompareExchange(ref slot, fresh, null) ?? fresh;
    }
}
