namespace ClusterFs.Iov.Mm;

// The address-space side of userfault contexts: registering ranges on VMAs and filling missing
// PTEs atomically (UFFDIO_COPY / UFFDIO_ZEROPAGE).
public sealed partial class AddressSpace
{
    /// <summary>Registers [start, end) with <paramref name="handler"/>: EINVAL when no VMA overlaps or one cannot
    /// userfault (only private anonymous memory can), EBUSY when one belongs to another context, ESRCH when
    /// the address space is gone. VMAs are split at the range ends; holes between VMAs are skipped.</summary>
    internal Errno RegisterUserfault(ulong start, ulong end, IUserfaultHandler handler, UserfaultModes modes)
    {
        _mmapLock.WriteLock();
        try
        {
            if (IsDisposed) return Errno.ESRCH;
            int first = FirstVmaEndingAfterLocked(start);
            if (first >= _vmas.Count || _vmas[first].Start >= end) return Errno.EINVAL;
            for (int i = first; i < _vmas.Count && _vmas[i].Start < end; i++)
            {
                var v = _vmas[i];
                if (v.Ops != AnonymousVmaOperations.Instance) return Errno.EINVAL;
                if (v.Userfault is not null && !ReferenceEquals(v.Userfault, handler)) return Errno.EBUSY;
            }
            ForEachOverlappingPieceLocked(start, end, v =>
            {
                v.Userfault = handler;
                v.UserfaultModes = modes;
            });
            return Errno.OK;
        }
        finally { _mmapLock.WriteUnlock(); }
    }

    /// <summary>Clears <paramref name="handler"/>'s registration of [start, end) (all of it with end = max).
    /// EINVAL when no VMA overlaps a bounded range; ESRCH when the address space is gone.</summary>
    internal Errno UnregisterUserfault(ulong start, ulong end, IUserfaultHandler handler)
    {
        _mmapLock.WriteLock();
        try
        {
            if (IsDisposed) return Errno.ESRCH;
            int first = FirstVmaEndingAfterLocked(start);
            if (end != ulong.MaxValue && (first >= _vmas.Count || _vmas[first].Start >= end)) return Errno.EINVAL;
            ForEachOverlappingPieceLocked(start, end, v =>
            {
                if (!ReferenceEquals(v.Userfault, handler)) return;
                v.Userfault = null;
                v.UserfaultModes = UserfaultModes.None;
            });
            return Errno.OK;
        }
        finally { _mmapLock.WriteUnlock(); }
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

    /// <summary>Unregisters <paramref name="handler"/> from every VMA (context release).</summary>
    internal void UnregisterAllUserfaults(IUserfaultHandler handler) => UnregisterUserfault(0, ulong.MaxValue, handler);

    /// <summary>Applies <paramref name="change"/> to each VMA piece inside [start, end), splitting VMAs that
    /// straddle the ends; holes are skipped.</summary>
    private void ForEachOverlappingPieceLocked(ulong start, ulong end, Action<Vma> change)
    {
        int i = FirstVmaEndingAfterLocked(start);
        while (i < _vmas.Count && _vmas[i].Start < end)
        {
            var v = _vmas[i];
            if (v.Start < start)
            {
                SplitLocked(i, start);
                i++;
                continue;
            }
            if (v.End > end) SplitLocked(i, end);
            change(v);
            i++;
        }
    }
}
