namespace ClusterFs.Iov.Mm;

// The address-space side of userfault contexts: registering ranges on VMAs and filling missing
// PTEs atomically (UFFDIO_COPY / UFFDIO_ZEROPAGE).
public sealed partial class AddressSpace
{
    /// <summary>Registers [start, end) with <paramref name="handler"/>: EINVAL when no VMA overlaps or one cannot
    /// userfault (private anonymous memory can in every mode, shared anonymous memory for missing pages), EBUSY when one belongs to another context, ESRCH when
    /// the address space is gone. VMAs are split at the range ends; holes between VMAs are skipped.</summary>
    internal Errno RegisterUserfault(ulong start, ulong end, IUserfaultHandler handler, UserfaultModes modes)
    {
        LayoutLock();
        try
        {
            if (IsDisposed) return Errno.ESRCH;
            int first = FirstVmaEndingAfterLocked(start);
            if (first >= _vmas.Count || _vmas[first].Start >= end) return Errno.EINVAL;
            for (int i = first; i < _vmas.Count && _vmas[i].Start < end; i++)
            {
                var v = _vmas[i];
                // Private anonymous memory can userfault in every mode, shmem only for missing pages.
                bool anonymous = v.Ops == AnonymousVmaOperations.Instance;
                bool shmem = v.Mapping?.Shmem is not null && (modes & UserfaultModes.WriteProtect) == 0;
                if (!anonymous && !shmem) return Errno.EINVAL;
                if (v.Userfault is not null && !ReferenceEquals(v.Userfault, handler)) return Errno.EBUSY;
            }
            ForEachOverlappingPieceLocked(start, end, static _ => true, v =>
            {
                v.Userfault = handler;
                v.UserfaultModes = modes;
            });
            return Errno.OK;
        }
        finally { LayoutUnlock(); }
    }

    /// <summary>Clears <paramref name="handler"/>'s registration of [start, end) (all of it with end = max).
    /// EINVAL when no VMA overlaps a bounded range; ESRCH when the address space is gone.</summary>
    internal Errno UnregisterUserfault(ulong start, ulong end, IUserfaultHandler handler)
    {
        LayoutLock();
        try
        {
            if (IsDisposed) return Errno.ESRCH;
            int first = FirstVmaEndingAfterLocked(start);
            if (end != ulong.MaxValue && (first >= _vmas.Count || _vmas[first].Start >= end)) return Errno.EINVAL;
            // Only this context's VMAs are split and write-locked: a release does not wait for faults
            // elsewhere in the address space.
            ForEachOverlappingPieceLocked(start, end, v => ReferenceEquals(v.Userfault, handler), v =>
            {
                v.Userfault = null;
                v.UserfaultModes = UserfaultModes.None;
            });
            return Errno.OK;
        }
        finally { LayoutUnlock(); }
    }

    /// <summary>Installs a PTE for a userfault fill at page <paramref name="addr"/> if it is still missing:
    /// <paramref name="page"/> writable when the VMA is (and not <paramref name="writeProtect"/>), or the zero
    /// page read-only. ENOENT when the page is not in a VMA registered with <paramref name="handler"/>; EEXIST
    /// when a page is already mapped; ESRCH when the address space is gone.</summary>
    internal Errno FillUserfaultPte(ulong addr, IUserfaultHandler handler, Page page, bool writeProtect)
    {
        _mmapLock.ReadLock();
        try
        {
            var table = _pageTable;
            if (table is null) return Errno.ESRCH;
            var vma = FindVmaLocked(addr);
            if (vma is null || !ReferenceEquals(vma.Userfault, handler)) return Errno.ENOENT;
            var old = table.Get(addr >> Page.Shift);
            if (old is { IsPresent: true }) return Errno.EEXIST;
            if (vma.Mapping?.Shmem is { } shmem)
            {
                // shmem_mfill_atomic_pte: the page goes into the shared object, then is mapped; a zero
                // fill is a fresh zeroed page there, not the zero page.
                long pageOffset = vma.PageOffset + (long)((addr - vma.Start) >> Page.Shift);
                var shared = page.IsZeroPage ? new Page() : CopyToSharedPage(page);
                if (!shmem.TryInsert(pageOffset, shared)) return Errno.EEXIST;
                var sharedFlags = PteFlags.Present | ((vma.Flags & VmaFlags.Write) != 0 ? PteFlags.Writable | PteFlags.Dirty : 0);
                return table.CompareExchange(addr >> Page.Shift, old, new Pte(shared, sharedFlags)) ? Errno.OK : Errno.EEXIST;
            }
            PteFlags flags;
            if (page.IsZeroPage)
                flags = PteFlags.Present | PteFlags.Special;
            else
            {
                flags = PteFlags.Present | PteFlags.Dirty;
                if (writeProtect) flags |= PteFlags.UffdWp;
                else if ((vma.Flags & VmaFlags.Write) != 0) flags |= PteFlags.Writable;
            }
            return table.CompareExchange(addr >> Page.Shift, old, new Pte(page, flags)) ? Errno.OK : Errno.EEXIST;
        }
        finally { _mmapLock.ReadUnlock(); }
    }

    /// <summary>UFFDIO_WRITEPROTECT's page-table walk over [start, end): protecting sets the uffd-wp bit and
    /// drops write on present PTEs (and, with <paramref name="markers"/>, arms empty ones with a marker);
    /// unprotecting clears the bit (and markers), making private anonymous pages writable again.
    /// ENOENT when a VMA of the range (or the range itself) is not registered in WP mode with
    /// <paramref name="handler"/>; ESRCH when the address space is gone.</summary>
    internal Errno WriteProtectUserfault(ulong start, ulong end, IUserfaultHandler handler, bool protect, bool markers)
    {
        _mmapLock.ReadLock();
        try
        {
            var table = _pageTable;
            if (table is null) return Errno.ESRCH;
            int i = FirstVmaEndingAfterLocked(start);
            if (i >= _vmas.Count || _vmas[i].Start >= end) return Errno.ENOENT;
            for (; i < _vmas.Count && _vmas[i].Start < end; i++)
            {
                var vma = _vmas[i];
                if (!ReferenceEquals(vma.Userfault, handler) || (vma.UserfaultModes & UserfaultModes.WriteProtect) == 0) return Errno.ENOENT;
                bool writable = (vma.Flags & VmaFlags.Write) != 0;
                ulong from = Math.Max(start, vma.Start) >> Page.Shift, to = Math.Min(end, vma.End) >> Page.Shift;
                for (ulong vpn = from; vpn < to; vpn++)
                {
                    while (true)
                    {
                        var old = table.Get(vpn);
                        Pte? now = protect ? Protect(old, markers) : Unprotect(old, writable);
                        if (ReferenceEquals(now, old) || table.CompareExchange(vpn, old, now)) break;
                    }
                }
            }
            return Errno.OK;
        }
        finally { _mmapLock.ReadUnlock(); }
    }

    /// <summary>Lists the pages of [start, end) in WP-registered VMAs of <paramref name="handler"/> that were
    /// written since they were protected (present without the uffd-wp bit), re-protecting each one found
    /// when <paramref name="reprotect"/> (PAGEMAP_SCAN with PM_SCAN_WP_MATCHING). ESRCH when the address space
    /// is gone.</summary>
    internal Errno ScanUserfaultWritten(ulong start, ulong end, IUserfaultHandler handler, bool reprotect, ICollection<ulong> written)
    {
        _mmapLock.ReadLock();
        try
        {
            var table = _pageTable;
            if (table is null) return Errno.ESRCH;
            for (int i = FirstVmaEndingAfterLocked(start); i < _vmas.Count && _vmas[i].Start < end; i++)
            {
                var vma = _vmas[i];
                if (!ReferenceEquals(vma.Userfault, handler) || (vma.UserfaultModes & UserfaultModes.WriteProtect) == 0) continue;
                ulong from = Math.Max(start, vma.Start) >> Page.Shift, to = Math.Min(end, vma.End) >> Page.Shift;
                for (ulong vpn = from; vpn < to; vpn++)
                {
                    var old = table.Get(vpn);
                    if (old is not { IsPresent: true, IsUffdWp: false }) continue;
                    // Re-arm atomically: a write that lands after the scan is recorded again.
                    if (reprotect && !table.CompareExchange(vpn, old, old.With(PteFlags.UffdWp, PteFlags.Writable))) continue;
                    written.Add(vpn << Page.Shift);
                }
            }
            return Errno.OK;
        }
        finally { _mmapLock.ReadUnlock(); }
    }

    private static Pte? Protect(Pte? pte, bool markers)
    {
        if (pte is null) return markers ? new Pte(null, PteFlags.UffdWp) : null;
        return pte.IsUffdWp && !pte.IsWritable ? pte : pte.With(PteFlags.UffdWp, PteFlags.Writable);
    }

    private static Pte? Unprotect(Pte? pte, bool vmaWritable)
    {
        if (pte is null || !pte.IsUffdWp) return pte;
        if (!pte.IsPresent) return null;
        bool makeWritable = vmaWritable && pte.Page is { IsAnonymous: true } && (pte.Flags & PteFlags.ProtNone) == 0;
        return pte.With(makeWritable ? PteFlags.Writable : PteFlags.None, PteFlags.UffdWp);
    }

    /// <summary>userfaultfd_remove / userfaultfd_unmap_prep: posts a REMOVE or UNMAP event to every context
    /// registered on a VMA of [start, end) that asked for it. Returns what to wait for after unlocking.</summary>
    private List<(IUserfaultHandler, object)>? PostLayoutEventsLocked(ulong start, ulong end, bool unmap)
    {
        List<(IUserfaultHandler, object)>? events = null;
        for (int i = FirstVmaEndingAfterLocked(start); i < _vmas.Count && _vmas[i].Start < end; i++)
        {
            if (_vmas[i].Userfault is not { } handler || events?.Exists(e => ReferenceEquals(e.Item1, handler)) == true) continue;
            if (handler.PostLayoutEvent(unmap, Math.Max(start, _vmas[i].Start), end) is { } ev) (events ??= []).Add((handler, ev));
        }
        return events;
    }

    /// <summary>userfaultfd_unmap_complete: waits, with no mm lock held, until each posted event was read.</summary>
    private static void WaitLayoutEvents(List<(IUserfaultHandler, object)>? events)
    {
        if (events is null) return;
        foreach (var (handler, ev) in events) handler.WaitLayoutEvent(ev);
    }

    private static Page CopyToSharedPage(Page source)
    {
        var page = new Page();
        source.Span.CopyTo(page.Span);
        return page;
    }

    /// <summary>Unregisters <paramref name="handler"/> from every VMA (context release).</summary>
    internal void UnregisterAllUserfaults(IUserfaultHandler handler) => UnregisterUserfault(0, ulong.MaxValue, handler);

    /// <summary>Applies <paramref name="change"/> to each VMA piece inside [start, end) for which
    /// <paramref name="affects"/> holds, splitting (and write-locking) only those VMAs; holes are skipped.</summary>
    private void ForEachOverlappingPieceLocked(ulong start, ulong end, Func<Vma, bool> affects, Action<Vma> change)
    {
        int i = FirstVmaEndingAfterLocked(start);
        while (i < _vmas.Count && _vmas[i].Start < end)
        {
            var v = _vmas[i];
            if (!affects(v))
            {
                i++;
                continue;
            }
            if (v.Start < start)
            {
                SplitLocked(i, start);
                i++;
                continue;
            }
            if (v.End > end) SplitLocked(i, end);
            VmaStartWriteLocked(v);
            change(v);
            i++;
        }
    }
}
