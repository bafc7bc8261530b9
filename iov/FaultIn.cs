using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov;

/// <summary>fault_in_* helpers. Every one returns the number of bytes NOT faulted in (0 = all).</summary>
/// <remarks>Page granularity: the first byte, then the first byte of each following page, is probed;
/// a failure at page A returns <c>size - (A - addr)</c> (the partial first page counts as done), and a
/// failure at <paramref name="addr"/> itself returns <c>size</c>. While the current task has page faults
/// disabled they fault nothing in: they only report the first page that is not already accessible.</remarks>
public static class FaultIn
{
    /// <summary>fault_in_readable: read-probes the first byte, then the first byte of each following page.
    /// A range that wraps or reaches beyond <see cref="AddressSpace.TaskSize"/> fails access_ok: returns size.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative.</exception>
    public static long Readable(AddressSpace mm, ulong addr, long size) =>
        Probe(mm, addr, size, static (m, a) => m.CopyFromUser(a, stackalloc byte[1]) == 0);

    /// <summary>fault_in_writeable: destructive (writes a zero byte into each probed page).
    /// A range that wraps or reaches beyond <see cref="AddressSpace.TaskSize"/> returns size.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative.</exception>
    public static long Writeable(AddressSpace mm, ulong addr, long size) =>
        Probe(mm, addr, size, static (m, a) => m.ClearUser(a, 1) == 0);

    /// <summary>fault_in_safe_writeable: a real, non-destructive write fault per page (breaks COW, replaces
    /// zero-page PTEs) through <see cref="AddressSpace.FixupUserFault"/>. No access_ok check: a wrapping
    /// range runs to the top of the address space. Returns the intended count (the inaccessible suffix
    /// from the first failing page), not the pre-2025 upstream arithmetic.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative.</exception>
    public static long SafeWriteable(AddressSpace mm, ulong addr, long size)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (size == 0) return 0;
        ulong last = addr + (ulong)size; // wraps: then the walk runs to the top
        ulong end = last < addr || last > ulong.MaxValue - (Page.Size - 1) ? 0 : (last + (Page.Size - 1)) & Page.Mask;
        ulong a = addr;
        while (true)
        {
            if (!mm.FixupUserFault(a, FaultFlags.Write).IsOk) return size - (long)Math.Min(a - addr, (ulong)size);
            a = (a & Page.Mask) + Page.Size;
            if (a == 0 || (end != 0 && a >= end)) return 0;
        }
    }

    private static long Probe(AddressSpace mm, ulong addr, long size, Func<AddressSpace, ulong, bool> touch)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (size == 0) return 0;
        if (!AddressSpace.AccessOk(addr, (ulong)size)) return size;
        ulong end = (addr + (ulong)size + (Page.Size - 1)) & Page.Mask;
        ulong a = addr;
        while (a < end)
        {
            if (!touch(mm, a)) return size - (long)(a - addr);
            a = (a & Page.Mask) + Page.Size;
        }
        return 0;
    }
}
