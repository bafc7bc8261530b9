namespace ClusterFs.Iov.Mm;

// VMA-list surgery (insert, split, remove) shared by the layout calls. Every method here runs with
// the mmap lock held exclusive.
public sealed partial class AddressSpace
{
    // VMAs write-locked by the current layout change, unlocked together by LayoutUnlock (as
    // mmap_write_unlock ends every vma_start_write). Guarded by the mmap lock held exclusive.
    private readonly List<Vma> _writeLockedVmas = [];

    // The VMA list as last published, for lockless fault lookups (lock_vma_under_rcu). Replaced, never
    // mutated, at every LayoutUnlock; a lookup validates what it finds under the VMA's own lock.
    private volatile Vma[] _vmaSnapshot = [];

    /// <summary>Begins a layout change: the mmap lock exclusive.</summary>
    private void LayoutLock() => _mmapLock.WriteLock();

    /// <summary>Ends a layout change: publishes the VMA list, ends the VMA write locks, drops the mmap lock.</summary>
    private void LayoutUnlock()
    {
        try
        {
            _vmaSnapshot = IsDisposed ? [] : [.. _vmas];
            foreach (var v in _writeLockedVmas) v.Lock.WriteUnlock();
            _writeLockedVmas.Clear();
        }
        finally { _mmapLock.WriteUnlock(); }
    }

    /// <summary>vma_start_write: waits for the VMA's faults and keeps new ones out until LayoutUnlock.</summary>
    private void VmaStartWriteLocked(Vma v)
    {
        if (_writeLockedVmas.Contains(v)) return;
        v.Lock.WriteLock();
        _writeLockedVmas.Add(v);
    }

    /// <summary>lock_vma_under_rcu: the VMA containing <paramref name="addr"/>, read-locked, found without the
    /// mmap lock; null when there is none in the snapshot or it is being changed (then the caller falls
    /// back to the mmap lock).</summary>
    private Vma? LockVmaForFault(ulong addr)
    {
        var snapshot = _vmaSnapshot;
        int lo = 0, hi = snapshot.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (snapshot[mid].End <= addr) lo = mid + 1; else hi = mid;
        }
        if (lo >= snapshot.Length) return null;
        var vma = snapshot[lo];
        if (!vma.Lock.TryReadLock()) return null;
        if (!vma.Contains(addr))
        {
            vma.Lock.ReadUnlock();
            return null;
        }
        return vma;
    }

    private long MapRange(ulong addr, long length, Prot prot, MapFlags flags, VmaFlags kind, IVmaOperations ops,
        VmMapping? mapping, long pageOffset, Page[]? frames)
    {
        if (length <= 0) return Errno.EINVAL.Negative;
        bool shared = (flags & MapFlags.Shared) != 0, isPrivate = (flags & MapFlags.Private) != 0;
        if (shared == isPrivate) return Errno.EINVAL.Negative;
        if ((prot & ~(Prot.Read | Prot.Write | Prot.Exec)) != 0) return Errno.EINVAL.Negative;
        if (PageAlign((ulong)length) is not { } len || len > TaskSize) return Errno.ENOMEM.Negative;
        bool fixedAddr = (flags & (MapFlags.Fixed | MapFlags.FixedNoReplace)) != 0;
        if (fixedAddr)
        {
            if ((addr & (Page.Size - 1)) != 0) return Errno.EINVAL.Negative;
            if (addr < MmapMinAddr) return Errno.EPERM.Negative;
            if (addr > TaskSize - len) return Errno.ENOMEM.Negative;
        }

        List<(IUserfaultHandler, object)>? events = null;
        long result;
        LayoutLock();
        try
        {
            result = MapRangeLocked(addr, len, prot, fixedAddr, flags, kind, shared, ops, mapping, pageOffset, frames, ref events);
        }
        finally { LayoutUnlock(); }
        // userfaultfd_unmap_complete: a MAP_FIXED mapping that replaced registered memory waits, unlocked, until the
        // monitor read the UNMAP event, as munmap does.
        WaitLayoutEvents(events);
        return result;
    }

    /// <summary>do_mmap's part under the mmap lock: place (or replace, for MAP_FIXED) and insert the VMA. Returns the
    /// address or -errno; <paramref name="events"/> gets the UNMAP events posted for replaced registered memory.</summary>
    private long MapRangeLocked(ulong addr, ulong len, Prot prot, bool fixedAddr, MapFlags flags, VmaFlags kind, bool shared,
        IVmaOperations ops, VmMapping? mapping, long pageOffset, Page[]? frames, ref List<(IUserfaultHandler, object)>? events)
    {
        if (IsDisposed) return Errno.EFAULT.Negative;
        if (!fixedAddr)
        {
            if (FindFreeRangeLocked(addr, len) is not { } found) return Errno.ENOMEM.Negative;
            addr = found;
        }
        else if ((flags & MapFlags.FixedNoReplace) != 0)
        {
            int j = FirstVmaEndingAfterLocked(addr);
            if (j < _vmas.Count && _vmas[j].Start < addr + len) return Errno.EEXIST.Negative;
        }
        else
        {
            events = PostLayoutEventsLocked(addr, addr + len, unmap: true);
            UnmapLocked(addr, addr + len);
        }

        var vmaFlags = kind | ToVmaFlags(prot) | (shared ? VmaFlags.Shared : VmaFlags.None);
        var vma = new Vma(this, addr, addr + len, vmaFlags, ops, mapping, pageOffset, frames);
        int i = FirstVmaEndingAfterLocked(addr);
        if (mapping is not null)
        {
            lock (mapping.RmapLock) mapping.AddLocked(vma);
        }
        _vmas.Insert(i, vma);
        return (long)addr;
    }

    /// <summary>get_unmapped_area: the hint if the range there is free, else the highest free gap below mmap_base.</summary>
    private ulong? FindFreeRangeLocked(ulong hint, ulong len)
    {
        if (hint != 0 && PageAlign(hint) is { } h && h >= MmapMinAddr && h <= TaskSize - len)
        {
            int j = FirstVmaEndingAfterLocked(h);
            if (j >= _vmas.Count || _vmas[j].Start >= h + len) return h;
        }
        ulong top = MmapBase;
        for (int i = _vmas.Count - 1; i >= 0; i--)
        {
            var v = _vmas[i];
            if (v.Start >= top) continue;
            if (v.End <= top && top - v.End >= len) return top - len;
            top = v.Start;
        }
        return top >= MmapMinAddr && top - MmapMinAddr >= len ? top - len : null;
    }

    /// <summary>do_vmi_munmap: removes [start, end), splitting VMAs that straddle either end.</summary>
    private void UnmapLocked(ulong start, ulong end)
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
            RemoveVmaAtLocked(i);
        }
    }

    /// <summary>Applies <paramref name="change"/> to the VMA pieces covering [start, end), splitting at the
    /// ends. ENOMEM at the first hole (earlier pieces stay changed, as mprotect does).</summary>
    private Errno ForEachVmaPieceLocked(ulong start, ulong end, Func<Vma, Errno> change)
    {
        int i = FirstVmaEndingAfterLocked(start);
        ulong cursor = start;
        while (cursor < end)
        {
            if (i >= _vmas.Count || _vmas[i].Start > cursor) return Errno.ENOMEM;
            var v = _vmas[i];
            if (v.Start < cursor)
            {
                SplitLocked(i, cursor);
                i++;
                continue;
            }
            if (v.End > end) SplitLocked(i, end);
            VmaStartWriteLocked(v);
            var r = change(v);
            if (!r.IsOk) return r;
            cursor = v.End;
            i++;
        }
        return Errno.OK;
    }

    /// <summary>Splits _vmas[i] at <paramref name="at"/> (inside it); the tail becomes _vmas[i + 1].</summary>
    private void SplitLocked(int i, ulong at)
    {
        var v = _vmas[i];
        VmaStartWriteLocked(v);
        var tail = v.CloneTail(at);
        if (v.Mapping is { } mapping)
        {
            lock (mapping.RmapLock)
            {
                v.End = at;
                mapping.AddLocked(tail);
            }
        }
        else
        {
            v.End = at;
        }
        _vmas.Insert(i + 1, tail);
    }

    private void RemoveVmaAtLocked(int i)
    {
        var v = _vmas[i];
        VmaStartWriteLocked(v);
        v.Lock.Detach();
        _vmas.RemoveAt(i);
        ZapPtes(v.Start >> Page.Shift, v.End >> Page.Shift);
        if (v.Mapping is { } mapping)
        {
            lock (mapping.RmapLock) mapping.RemoveLocked(v);
        }
    }

    private void RemoveAllVmasLocked()
    {
        while (_vmas.Count > 0) RemoveVmaAtLocked(_vmas.Count - 1);
    }

    /// <summary>change_protection: PROT_NONE makes present PTEs fault; dropping write makes them read-only.
    /// Write is never granted here: the next write faults (and goes through COW / PageMkwrite).</summary>
    private void ChangeProtectionLocked(Vma vma, Prot prot)
    {
        bool none = (prot & (Prot.Read | Prot.Write | Prot.Exec)) == 0;
        bool noWrite = (prot & Prot.Write) == 0;
        _pageTable?.Update(vma.Start >> Page.Shift, vma.End >> Page.Shift, pte =>
        {
            if (none) return pte.With(PteFlags.ProtNone, PteFlags.Writable);
            if (noWrite && pte.IsWritable) return pte.With(PteFlags.None, PteFlags.Writable | PteFlags.ProtNone);
            return (pte.Flags & PteFlags.ProtNone) != 0 ? pte.With(PteFlags.None, PteFlags.ProtNone) : pte;
        });
    }
}
