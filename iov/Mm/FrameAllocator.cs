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
    /// <summary>Frames per slab: 64 frames = 256 KiB (bench/RESULTS.md, UBUF section: runs of 64-256 KiB
    /// copy at least as fast as one large memmove, and 256 KiB slabs gave a 16 MiB copy out of user memory
    /// more headroom than 64 KiB ones). Slabs are pinned (pinned-object heap), never moved by compaction
    /// (frames mostly are long-lived: mapped memory, page cache), and their frames are page-aligned like real
    /// frames: every frame of a copy then has the same offset to the other buffer modulo 4 KiB, instead of
    /// an offset that drifts by the array header from slab to slab and may land in the few bytes where
    /// loads falsely wait on earlier stores (4K aliasing). Measured: copies into aligned slabs were steadier
    /// from process to process than into unaligned ones. The cost: 4 KiB of alignment slack per slab, and
    /// one surviving frame keeps its slab alive.</summary>
    public const int SlabPages = 64;

    public const int SlabBytes = SlabPages * Page.Size;

    [ThreadStatic] private static byte[]? t_slab;
    [ThreadStatic] private static int t_next; // offset of the next frame in t_slab
    [ThreadStatic] private static int t_end;  // offset just past t_slab's last frame

    /// <summary>A fresh zeroed frame: the slab array and the frame's byte offset in it. The frame is
    /// 4096-byte aligned in memory.</summary>
    public static byte[] Allocate(out int offset)
    {
        var slab = t_slab;
        int next = t_next;
        if (slab is null || next == t_end)
        {
            // Zeroed (anonymous memory and new cache pages read as zeroes) and pinned, so the address never
            // changes and the frames stay page-aligned for the slab's whole life.
            slab = GC.AllocateArray<byte>(SlabBytes + Page.Size, pinned: true);
            next = (int)((Page.Size - (AddressOf(slab, 0) & (Page.Size - 1))) & (Page.Size - 1));
            t_slab = slab;
            t_end = next + SlabBytes;
        }
        offset = next;
        t_next = next + Page.Size;
        return slab;
    }

    /// <summary>The memory address of <paramref name="array"/>[<paramref name="offset"/>]; stable only for
    /// a pinned array (slabs are).</summary>
    internal static unsafe nuint AddressOf(byte[] array, int offset)
    {
        fixed (byte* p = array) return (nuint)p + (nuint)offset;
    }
}
