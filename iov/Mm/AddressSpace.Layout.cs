namespace ClusterFs.Iov.Mm;

// mmap, munmap, mprotect, madvise: the layout changes, all under the mmap lock held exclusive.
public sealed partial class AddressSpace
{
    // Top-down placement starts here (mmap_base), below a stack-sized gap under TaskSize.
    private const ulong MmapBase = 0x0000_7F00_0000_0000;

    // Sorted by Start, non-overlapping. Guarded by _mmapLock (read for lookups, write for changes).
    private readonly List<Vma> _vmas = [];

    /// <summary>The number of VMAs (map_count).</summary>
    public int VmaCount
    {
        get { _mmapLock.ReadLock(); try { return _vmas.Count; } finally { _mmapLock.ReadUnlock(); } }
    }

    /// <summary>A snapshot of the VMAs in address order.</summary>
    public IReadOnlyList<Vma> Vmas()
    {
        _mmapLock.ReadLock();
        try { return _vmas.ToArray(); }
        finally { _mmapLock.ReadUnlock(); }
    }

    /// <summary>Anonymous mmap. Returns the mapped address, or -errno: EINVAL (zero/negative length,
    /// unaligned fixed address, not exactly one of Shared/Private), ENOMEM (no room, length overflow),
    /// EPERM (fixed below <see cref="MmapMinAddr"/>), EEXIST (FixedNoReplace over a mapping), EFAULT (disposed).</summary>
    public long Mmap(ulong addr, long length, Prot prot, MapFlags flags)
    {
        if ((flags & MapFlags.Shared) != 0 && (flags & MapFlags.Private) == 0 && length > 0)
        {
            long pages = (long)((PageAlign((ulong)length) ?? 0) >> Page.Shift);
            var shmem = new ShmemOperations(pages);
            return MmapFile(addr, length, prot, flags, new VmMapping(shmem) { Shmem = shmem }, 0);
        }
        return MapRange(addr, length, prot, flags, VmaFlags.Anonymous, AnonymousVmaOperations.Instance, null, 0, null);
    }

    /// <summary>File-backed mmap of <paramref name="mapping"/> from file page <paramref name="pageOffset"/>.
    /// Returns the address or -errno as <see cref="Mmap(ulong, long, Prot, MapFlags)"/>; EINVAL for a negative
    /// page offset, EOVERFLOW when the offset plus length overflows.</summary>
    public long MmapFile(ulong addr, long length, Prot prot, MapFlags flags, VmMapping mapping, long pageOffset)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        if (pageOffset < 0) return Errno.EINVAL.Negative;
        if (length > 0 && pageOffset > long.MaxValue / Page.Size - (length >> Page.Shift) - 1) return Errno.EOVERFLOW.Negative;
        var kind = (flags & MapFlags.Shared) != 0 ? VmaFlags.Shared : VmaFlags.None;
        return MapRange(addr, length, prot, flags, kind, FileVmaOperations.Instance, mapping, pageOffset, null);
    }

    /// <summary>Maps <paramref name="frames"/> as an IO range (<paramref name="pfnMap"/> false: mapped on
    /// fault, VM_IO) or a PFNMAP range (true: all PTEs installed now, like remap_pfn_range). Plain
    /// accesses work; every GUP fails with EFAULT. Returns the address or -errno.</summary>
    public long MmapFrames(ulong addr, IReadOnlyList<Page> frames, Prot prot, MapFlags flags, bool pfnMap)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var copy = frames.ToArray();
        if (Array.IndexOf(copy, null) >= 0) throw new ArgumentException("a frame list must not contain null", nameof(frames));
        var kind = VmaFlags.Shared | VmaFlags.Io | (pfnMap ? VmaFlags.PfnMap : VmaFlags.None);
        long length = (long)copy.Length * Page.Size;
        long result = MapRange(addr, length, prot, flags, kind, FrameVmaOperations.Instance, null, 0, copy);
        if (result > 0 && pfnMap)
        {
            var pteFlags = PteFlags.Present | PteFlags.Special | ((prot & Prot.Write) != 0 ? PteFlags.Writable : 0);
            for (int i = 0; i < copy.Length; i++)
                InstallPte((ulong)result + ((ulong)i << Page.Shift), null, new Pte(copy[i], pteFlags));
        }
        return result;
    }

    /// <summary>munmap. Returns EINVAL for an unaligned address, a zero/negative length or a range beyond
    /// <see cref="TaskSize"/>; OK otherwise (also when nothing was mapped); EFAULT when disposed.</summary>
    public Errno Munmap(ulong addr, long length)
    {
        if ((addr & (Page.Size - 1)) != 0 || length <= 0 || addr > TaskSize || (ulong)length > TaskSize - addr)
            return Errno.EINVAL;
        ulong end = PageAlign(addr + (ulong)length)!.Value;
        List<(IUserfaultHandler, object)>? events = null;
        LayoutLock();
        try
        {
            if (IsDisposed) return Errno.EFAULT;
            events = PostLayoutEventsLocked(addr, end, unmap: true);
            UnmapLocked(addr, end);
        }
        finally { LayoutUnlock(); }
        WaitLayoutEvents(events);
        return Errno.OK;
    }

    /// <summary>mprotect. EINVAL: unaligned address or unknown bits; ENOMEM: length overflow, or part of the
    /// range unmapped (VMAs before the hole are already changed, as in Linux). A zero length is OK.
    /// Removing write makes PTEs read-only; removing all access makes them fault (PROT_NONE).</summary>
    public Errno Mprotect(ulong addr, long length, Prot prot)
    {
        if ((addr & (Page.Size - 1)) != 0 || (prot & ~(Prot.Read | Prot.Write | Prot.Exec)) != 0) return Errno.EINVAL;
        if (length < 0) return Errno.ENOMEM;
        if (length == 0) return Errno.OK;
        ulong? endOrNull = PageAlign(addr + (ulong)length);
        if (endOrNull is not { } end || end <= addr || end > TaskSize) return Errno.ENOMEM;
        LayoutLock();
        try
        {
            if (IsDisposed) return Errno.EFAULT;
            return ForEachVmaPieceLocked(addr, end, vma =>
            {
                vma.Flags = (vma.Flags & ~(VmaFlags.Read | VmaFlags.Write | VmaFlags.Exec)) | ToVmaFlags(prot);
                ChangeProtectionLocked(vma, prot);
                return Errno.OK;
            });
        }
        finally { LayoutUnlock(); }
    }

    /// <summary>madvise. EINVAL: unaligned address, unknown advice, overflowing length, DONTNEED on a PFNMAP
    /// range; ENOMEM: part of the range unmapped (the mapped parts are still advised). A zero length is OK.
    /// DONTNEED zaps the PTEs: anonymous private memory reads back as zeroes, file pages refault;
    /// pages pinned by GUP stay valid for their holders.</summary>
    public Errno Madvise(ulong addr, long length, Advice advice)
    {
        if ((addr & (Page.Size - 1)) != 0 || !Enum.IsDefined(advice) || length < 0) return Errno.EINVAL;
        if (length == 0) return Errno.OK;
        ulong? endOrNull = PageAlign(addr + (ulong)length);
        if (endOrNull is not { } end || end <= addr) return Errno.EINVAL;
        if (advice != Advice.DontNeed) return Errno.OK;
        LayoutLock();
        try
        {
            if (IsDisposed) return Errno.EFAULT;
            var events = PostLayoutEventsLocked(addr, end, unmap: false);
            if (events is not null)
            {
                // userfaultfd_remove: the monitor reads REMOVE before the pages go, so the lock is dropped while it
                // waits; the layout may change meanwhile, so the range is looked up again.
                LayoutUnlock();
                try { WaitLayoutEvents(events); }
                finally { LayoutLock(); }
                if (IsDisposed) return Errno.EFAULT;
            }
            Errno result = Errno.OK;
            int i = FirstVmaEndingAfterLocked(addr);
            ulong cursor = addr;
            for (; i < _vmas.Count && _vmas[i].Start < end; i++)
            {
                var vma = _vmas[i];
                if (vma.Start > cursor) result = Errno.ENOMEM;
                if ((vma.Flags & VmaFlags.PfnMap) != 0 || !vma.Ops.AllowsDontNeed) return Errno.EINVAL;
                ulong from = Math.Max(addr, vma.Start), to = Math.Min(end, vma.End);
                ZapPtes(from >> Page.Shift, to >> Page.Shift);
                cursor = to;
            }
            return cursor < end ? Errno.ENOMEM : result;
        }
        finally { LayoutUnlock(); }
    }

    /// <summary>find_vma_intersection for one address: the VMA containing <paramref name="addr"/>, or null.</summary>
    public Vma? FindVma(ulong addr)
    {
        _mmapLock.ReadLock();
        try { return FindVmaLocked(addr); }
        finally { _mmapLock.ReadUnlock(); }
    }

    /// <summary>The VMA containing <paramref name="addr"/> (binary search). Caller holds the mmap lock.</summary>
    internal Vma? FindVmaLocked(ulong addr)
    {
        int i = FirstVmaEndingAfterLocked(addr);
        return i < _vmas.Count && _vmas[i].Start <= addr ? _vmas[i] : null;
    }

    /// <summary>find_vma: index of the first VMA with End &gt; addr (Count when none).</summary>
    private int FirstVmaEndingAfterLocked(ulong addr)
    {
        int lo = 0, hi = _vmas.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_vmas[mid].End <= addr) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static ulong? PageAlign(ulong value) => value > ulong.MaxValue - (Page.Size - 1) ? null : (value + (Page.Size - 1)) & Page.Mask;

    private static VmaFlags ToVmaFlags(Prot prot) =>
        ((prot & Prot.Read) != 0 ? VmaFlags.Read : 0) | ((prot & Prot.Write) != 0 ? VmaFlags.Write : 0) |
        ((prot & Prot.Exec) != 0 ? VmaFlags.Exec : 0);
}
