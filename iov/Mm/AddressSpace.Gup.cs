using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Mm;

// get_user_pages: a lockless fast walk (gup_fast), then, unless FastOnly, the slow path under the
// mmap lock that checks VMA flags, follows PTEs and faults (unless NoFault).
public sealed partial class AddressSpace
{
    /// <summary>get_user_pages_fast: fills <paramref name="pages"/> (may be null) starting at page-aligned
    /// <paramref name="start"/>. Returns the number of pages got/pinned (possibly fewer than asked),
    /// or -errno when none was; with FastOnly never negative.</summary>
    /// <remarks>An unaligned <paramref name="start"/> is rounded down to its page, as the kernel does.
    /// <paramref name="nrPages"/> &lt;= 0 or a wrapping range gives 0; a range beyond <see cref="TaskSize"/>
    /// or a disposed address space gives -EFAULT (0 with FastOnly). The fast walk refuses special PTEs (zero
    /// page, IO/PFNMAP frames); the slow path returns the zero page for a read, EFAULT for IO/PFNMAP VMAs,
    /// and with NoFault EFAULT wherever a fault would be needed. Touch marks PTEs accessed (dirty on Write).</remarks>
    /// <exception cref="ArgumentException">Pin without a pages array, or the array is shorter than <paramref name="nrPages"/>.</exception>
    public long GetUserPages(ulong start, int nrPages, GupFlags flags, Page[]? pages)
    {
        bool fastOnly = (flags & GupFlags.FastOnly) != 0;
        if ((flags & GupFlags.Pin) != 0 && pages is null)
            throw new ArgumentException("FOLL_PIN needs a pages array to hand the pins back", nameof(pages));
        if (pages is not null && pages.Length < Math.Max(nrPages, 0))
            throw new ArgumentException($"pages holds {pages.Length} entries, {nrPages} requested", nameof(pages));
        if (nrPages <= 0) return 0;
        start &= Page.Mask;
        ulong len = (ulong)nrPages << Page.Shift;
        if (start > ulong.MaxValue - len) return 0;
        var table = _pageTable;
        if (table is null || start + len > TaskSize) return fastOnly ? 0 : Errno.EFAULT.Negative;

        int done = GupFast(table, start, nrPages, flags, pages);
        if (done == nrPages || fastOnly) return done;
        return GupSlow(start, done, nrPages, flags, pages);
    }

    /// <summary>Releases pages obtained by GetUserPages (put_page, or unpin_user_page with Pin).</summary>
    /// <exception cref="InvalidOperationException">A page released more often than it was got.</exception>
    public static void ReleasePages(ReadOnlySpan<Page> pages, GupFlags flags)
    {
        bool pin = (flags & GupFlags.Pin) != 0;
        foreach (var page in pages)
        {
            ArgumentNullException.ThrowIfNull(page, nameof(pages));
            if (pin) page.Unpin(); else page.Put();
        }
    }

    /// <summary>gup_fast: lockless walk; stops at the first PTE that is absent, special, or not writable
    /// for a write. Re-reads each entry after taking the reference and backs off if it changed.</summary>
    private static int GupFast(PageTable table, ulong start, int nrPages, GupFlags flags, Page[]? pages)
    {
        bool write = (flags & GupFlags.Write) != 0;
        PteFlags need = write ? PteFlags.Present | PteFlags.Writable : PteFlags.Present;
        PteFlags mask = (write ? Pte.WritableMask : Pte.ReadableMask) | PteFlags.Special;
        Pte?[]? leaf = null;
        for (int i = 0; i < nrPages; i++)
        {
            ulong vpn = (start >> Page.Shift) + (ulong)i;
            int slot = (int)vpn & (PageTable.LeafSize - 1);
            if (leaf is null || slot == 0) leaf = table.Leaf(vpn);
            if (leaf is null) return i;
            var pte = Volatile.Read(ref leaf[slot]);
            if (pte is null || (pte.Flags & mask) != need) return i;
            var page = pte.Page!;
            if (!Grab(page, flags, pages, i)) continue;
            if (!ReferenceEquals(Volatile.Read(ref leaf[slot]), pte))
            {
                Drop(page, flags, pages, i);
                return i;
            }
            if ((flags & GupFlags.Touch) != 0) TouchForGup(table, vpn, pte, write);
        }
        return nrPages;
    }

    private long GupSlow(ulong start, int done, int nrPages, GupFlags flags, Page[]? pages)
    {
        bool write = (flags & GupFlags.Write) != 0;
        var task = TaskContext.Current;
        Errno error = Errno.OK;
        _mmapLock.ReadLock();
        try
        {
            int attempts = 0;
            while (done < nrPages)
            {
                if (task.FatalSignalPending) { error = Errno.EINTR; break; }
                var table = _pageTable;
                ulong addr = start + ((ulong)done << Page.Shift);
                var vma = table is null ? null : FindVmaLocked(addr);
                if (vma is null) { error = Errno.EFAULT; break; }
                error = CheckVmaFlags(vma, write);
                if (!error.IsOk) break;

                var pte = table!.Get(addr >> Page.Shift);
                var page = FollowPte(pte, write, out error);
                if (!error.IsOk) break;
                if (page is not null)
                {
                    attempts = 0;
                    if (Grab(page, flags, pages, done) && (flags & GupFlags.Touch) != 0 && !page.IsZeroPage)
                        TouchForGup(table, addr >> Page.Shift, pte!, write);
                    done++;
                    continue;
                }
                // faultin_page: forbidden under NoFault, which is what makes a read-faulted buffer useless
                // to a NoFault write GUP until it is write-faulted in.
                if ((flags & GupFlags.NoFault) != 0 || ++attempts > MaxFaultAttempts) { error = Errno.EFAULT; break; }
                error = RunFault(addr, (write ? FaultFlags.Write : FaultFlags.None) | FaultFlags.Remote, callerHoldsLock: true);
                if (!error.IsOk) break;
            }
        }
        finally { _mmapLock.ReadUnlock(); }
        return done > 0 ? done : error.Negative;
    }

    /// <summary>check_vma_flags: IO/PFNMAP, and accesses the VMA does not permit, are EFAULT.</summary>
    private static Errno CheckVmaFlags(Vma vma, bool write)
    {
        if (vma.IsIoOrPfnMap) return Errno.EFAULT;
        if (write ? (vma.Flags & VmaFlags.Write) == 0 : (vma.Flags & VmaFlags.Read) == 0) return Errno.EFAULT;
        return Errno.OK;
    }

    /// <summary>follow_page_pte: the page when the PTE allows the access (the zero page for a read of a
    /// special zero-page PTE); null when a fault is needed; EFAULT for another special PTE.</summary>
    private static Page? FollowPte(Pte? pte, bool write, out Errno error)
    {
        error = Errno.OK;
        if (pte is null || !(write ? pte.AllowsWrite : pte.AllowsRead)) return null;
        if (pte.IsSpecial && !pte.Page!.IsZeroPage)
        {
            error = Errno.EFAULT;
            return null;
        }
        return pte.Page;
    }

    /// <summary>Takes a reference or pin for slot <paramref name="i"/>; without a pages array nothing is taken.</summary>
    private static bool Grab(Page page, GupFlags flags, Page[]? pages, int i)
    {
        if (pages is null) return false;
        if ((flags & GupFlags.Pin) != 0) page.Pin(); else page.Get();
        pages[i] = page;
        return true;
    }

    private static void Drop(Page page, GupFlags flags, Page[]? pages, int i)
    {
        if ((flags & GupFlags.Pin) != 0) page.Unpin(); else page.Put();
        pages![i] = null!;
    }

    private static void TouchForGup(PageTable table, ulong vpn, Pte pte, bool write)
    {
        var touch = write ? PteFlags.Accessed | PteFlags.Dirty : PteFlags.Accessed;
        if ((pte.Flags & touch) != touch) table.CompareExchange(vpn, pte, pte.With(touch));
    }
}
