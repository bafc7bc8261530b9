namespace ClusterFs.Iov.Mm;

/// <summary>
/// Hands out 4096-byte frames as consecutive slices of larger zeroed arrays ("slabs"), one current slab
/// per thread, so pages that one thread allocates in a row (a fault-in loop, a COW of a range, a
/// page-cache readahead) lie next to each other in memory and a user copy over them can move a whole
/// run in one memmove (<see cref="AddressSpace"/>'s access loop coalesces adjacent slices).
/// </summary>
/// <remarks>
/// Lifetime: a slice is never handed out twice. A slab stays alive (GC) while any page refers to it,
/// so a page pinned by GUP stays valid after munmap or MADV_DONTNEED exactly as before, and no reuse
/// can corrupt it; the price is that one long-lived page keeps its whole slab (<see cref="SlabBytes"/>)
/// alive. Thread-local slabs need no synchronisation; a thread's partly used slab is simply kept.
/// </remarks>
internal static class FrameAllocator
{
    /// <summary>Frames per slab: 64 frames = 256 KiB. Measured (bench/RESULTS.md, UBUF section): runs of
    /// 64-256 KiB copy at least as fast as one large memmove, and 256 KiB slabs gave a 16 MiB copy out of
    /// user memory more headroom than 64 KiB ones. A slab of this size lives on the large-object heap, so a
    /// long-lived frame is never copied by compaction (frames mostly are long-lived: mapped memory, page
    /// cache); the cost is that one surviving frame keeps 256 KiB alive until it dies.</summary>
    public const int SlabPages = 64;

    public const int SlabBytes = SlabPages * Page.Size;

    [ThreadStatic] private static byte[]? t_slab;
    [ThreadStatic] private static int t_next;

    /// <summary>A fresh zeroed frame: the slab array and the frame's byte offset in it.</summary>
    public static byte[] Allocate(out int offset)
    {
        var slab = t_slab;
        int next = t_next;
        if (slab is null || next == SlabBytes)
        {
            slab = new byte[SlabBytes]; // zeroed: anonymous memory and new cache pages read as zeroes
            t_slab = slab;
            next = 0;
        }
        offset = next;
        t_next = next + Page.Size;
        return slab;
    }
}
