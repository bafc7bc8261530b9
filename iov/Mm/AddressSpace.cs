using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Mm;

/// <summary>
/// mm_struct: a process's user memory. VMAs (sorted, O(log n) lookup) under an mmap lock, a
/// four-level page table walked locklessly by user copies and GUP-fast, faults handled per VMA kind
/// under the faulting VMA's own lock (the mmap lock only as a fallback).
/// Addresses are 47-bit user addresses below <see cref="TaskSize"/>; pages are 4096 bytes.
/// </summary>
/// <remarks>Results follow the kernel: copies return bytes NOT copied, layout calls an
/// <see cref="Errno"/>, GUP a count or -errno. After <see cref="Dispose"/> every access fails with
/// EFAULT (nothing is mapped any more) and layout calls fail with EFAULT.</remarks>
public sealed partial class AddressSpace : IDisposable
{
    /// <summary>TASK_SIZE: user addresses are below this.</summary>
    public const ulong TaskSize = 0x0000_7FFF_FFFF_F000;

    /// <summary>mmap_min_addr: MAP_FIXED below this fails with EPERM.</summary>
    public const ulong MmapMinAddr = 0x10000;

    // A fault whose handler keeps reporting success without producing a usable PTE (or keeps asking
    // for a retry) would spin forever; give up with EFAULT instead of hanging.
    private const int MaxFaultAttempts = 4096;

    private readonly MmapLock _mmapLock = new();
    private volatile PageTable? _pageTable = new();

    /// <summary>Threads waiting to change the layout (for tests of lock independence).</summary>
    internal int WaitingLayoutWriters => _mmapLock.WaitingWriters;

    /// <summary>True once <see cref="Dispose"/> ran.</summary>
    public bool IsDisposed => _pageTable is null;

    /// <summary>copy_to_user: copies <paramref name="src"/> to user address <paramref name="addr"/>, faulting
    /// as the current task allows. Returns the bytes NOT copied (0 = all); stops exactly at the first
    /// byte that cannot be written.</summary>
    public long CopyToUser(ulong addr, ReadOnlySpan<byte> src)
    {
        var step = new CopyToUserStep(src);
        return Access(addr, src.Length, ref step);
    }

    /// <summary>copy_from_user (raw: the uncopied tail of <paramref name="dst"/> is left as it was).
    /// Returns the bytes NOT copied.</summary>
    public long CopyFromUser(ulong addr, Span<byte> dst)
    {
        var step = new CopyFromUserStep(dst);
        return Access(addr, dst.Length, ref step);
    }

    /// <summary>clear_user: zeroes <paramref name="n"/> user bytes. Returns the bytes NOT cleared.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    public long ClearUser(ulong addr, long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var step = new ClearUserStep();
        return Access(addr, n, ref step);
    }

    /// <summary>access_ok: [addr, addr + size) lies entirely below <see cref="TaskSize"/> without wrapping.</summary>
    public static bool AccessOk(ulong addr, ulong size) => addr <= TaskSize && size <= TaskSize - addr;

    /// <summary>The PTE mapping <paramref name="addr"/> (null when none), read locklessly.</summary>
    public Pte? GetPte(ulong addr) => _pageTable?.Get(addr >> Page.Shift);

    /// <summary>Unmaps everything; later accesses fail with EFAULT, layout calls with EFAULT. Idempotent.</summary>
    public void Dispose()
    {
        LayoutLock();
        try
        {
            if (_pageTable is null) return;
            RemoveAllVmasLocked();
            _pageTable = null;
        }
        finally
        {
            LayoutUnlock();
        }
    }

    /// <summary>The user-access loop shared by the copies: page by page over resident PTEs without
    /// locks or allocation; a page that needs a fault is faulted in unless the task disabled faults,
    /// in which case (or when the fault fails) the access stops at that page.</summary>
    /// <remarks>Every PTE is checked (and its accessed/dirty bits set) one page at a time, but the bytes move
    /// in runs: while consecutive accepted pages are adjacent slices of one array (frames of one slab,
    /// <see cref="FrameAllocator"/>), the step is handed one span across them, so a large copy is a few
    /// large memmoves rather than one per 4 KiB page. A run is flushed before any fault is taken or the
    /// access stops, so a short access still ends exactly at the first byte it cannot touch and a fault
    /// handler sees every earlier byte already moved.</remarks>
    private long Access<TStep>(ulong addr, long len, ref TStep step) where TStep : IUserAccessStep, allows ref struct
    {
        if (len == 0) return 0;
        if (!AccessOk(addr, (ulong)len)) return len;
        var table = _pageTable;
        if (table is null) return len;

        bool write = step.IsWrite;
        PteFlags need = write ? PteFlags.Present | PteFlags.Writable : PteFlags.Present;
        PteFlags mask = write ? Pte.WritableMask : Pte.ReadableMask;
        PteFlags touch = write ? PteFlags.Accessed | PteFlags.Dirty : PteFlags.Accessed;

        long done = 0;
        ulong leafBase = ulong.MaxValue;
        Pte?[]? leaf = null;
        int attempts = 0;
        // The pending run: runArray[runStart, runStart + runLength) holds the bytes of loop offsets
        // [done - runLength, done), all already checked.
        byte[]? runArray = null;
        int runStart = 0;
        int runLength = 0;
        while (done < len)
        {
            ulong a = addr + (ulong)done;
            ulong vpn = a >> Page.Shift;
            if ((vpn & ~(ulong)(PageTable.LeafSize - 1)) != leafBase)
            {
                leaf = table.Leaf(vpn);
                leafBase = leaf is null ? ulong.MaxValue : vpn & ~(ulong)(PageTable.LeafSize - 1);
            }
            var pte = leaf is null ? null : Volatile.Read(ref leaf[(int)vpn & (PageTable.LeafSize - 1)]);
            if (pte is null || (pte.Flags & mask) != need)
            {
                if (runLength > 0)
                {
                    step.Step(runArray.AsSpan(runStart, runLength), done - runLength);
                    runLength = 0;
                }
                if (++attempts > MaxFaultAttempts || !FaultForAccess(a, write)) return len - done;
                leafBase = ulong.MaxValue; // the fault may have created the leaf table
                continue;
            }
            attempts = 0;
            if ((pte.Flags & touch) != touch)
                Interlocked.CompareExchange(ref leaf![(int)vpn & (PageTable.LeafSize - 1)], pte.With(touch), pte);
            var page = pte.Page!;
            int at = page.Offset + (int)(a & (Page.Size - 1));
            int chunk = (int)Math.Min(Page.Size - (long)(a & (Page.Size - 1)), len - done);
            if (runLength > 0 && (!ReferenceEquals(page.Array, runArray) || at != runStart + runLength))
            {
                step.Step(runArray.AsSpan(runStart, runLength), done - runLength);
                runLength = 0;
            }
            if (runLength == 0)
            {
                runArray = page.Array;
                runStart = at;
            }
            runLength += chunk;
            done += chunk;
        }
        if (runLength > 0) step.Step(runArray.AsSpan(runStart, runLength), done - runLength);
        return 0;
    }

    /// <summary>The exception-table fixup decision for a user access at <paramref name="addr"/>:
    /// false when faults are disabled (no handler runs) or the fault failed.</summary>
    private bool FaultForAccess(ulong addr, bool write)
    {
        if (TaskContext.Current.PagefaultsDisabled) return false;
        return HandleUserFault(addr, write ? FaultFlags.Write : FaultFlags.None).IsOk;
    }

    internal static Page NewAnonymousPage() => new() { IsAnonymous = true };

    internal static Page CopyToAnonymousPage(Page source)
    {
        var page = NewAnonymousPage();
        source.Span.CopyTo(page.Span);
        return page;
    }

    /// <summary>Installs <paramref name="value"/> if the entry is still <paramref name="expected"/>; a lost race
    /// is fine (another fault installed something; the access re-checks).</summary>
    internal void InstallPte(ulong addr, Pte? expected, Pte value) =>
        _pageTable?.CompareExchange(addr >> Page.Shift, expected, value);

    /// <summary>Replaces the entry (with null: clears it) if it is still <paramref name="expected"/>.</summary>
    internal bool TryReplacePte(ulong addr, Pte? expected, Pte? value) =>
        _pageTable?.CompareExchange(addr >> Page.Shift, expected, value) ?? false;

    /// <summary>A fault on a PTE that already allows the access: set accessed (and dirty on a write).</summary>
    internal VmFaultResult TouchPte(VmFault vmf, Pte pte)
    {
        var touch = vmf.IsWrite ? PteFlags.Accessed | PteFlags.Dirty : PteFlags.Accessed;
        if ((pte.Flags & PteFlags.ProtNone) != 0 || (pte.Flags & touch) != touch)
            InstallPte(vmf.Address, pte, pte.With(touch, PteFlags.ProtNone));
        return VmFaultResult.Ok;
    }

    /// <summary>do_wp_page for private mappings: a write to a present read-only PTE copies the page
    /// (zero page or page-cache page) or, for an anonymous page this mm owns, reuses it.</summary>
    internal VmFaultResult UpgradePresentPrivate(VmFault vmf, Pte old)
    {
        if (!vmf.IsWrite || old.IsWritable) return TouchPte(vmf, old);
        var page = old.Page!;
        var full = PteFlags.Present | PteFlags.Writable | PteFlags.Dirty | PteFlags.Accessed;
        var pte = page.IsAnonymous
            ? old.With(full, PteFlags.ProtNone)
            : new Pte(page.IsZeroPage ? NewAnonymousPage() : CopyToAnonymousPage(page), full);
        InstallPte(vmf.Address, old, pte);
        return VmFaultResult.Ok;
    }

    /// <summary>Zaps the PTEs of [startVpn, endVpn) accepted by <paramref name="filter"/>.</summary>
    internal long ZapPtes(ulong startVpn, ulong endVpn, Func<Pte, bool>? filter = null) =>
        _pageTable?.Zap(startVpn, endVpn, filter) ?? 0;
}
