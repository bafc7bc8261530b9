namespace ClusterFs.Iov.Mm;

/// <summary>
/// A 4096-byte frame: anonymous memory, a page-cache page (mapped shared, a write through the
/// mapping is a write to the cache), the shared zero page, or an IO/PFNMAP frame.
/// </summary>
/// <remarks>The frame's memory is managed by the GC: a frame is a slice of an array that stays alive while
/// any page over it does, and slices are never reused, so a pinned page stays valid for DMA even after it
/// is unmapped. The reference and pin counts model what GUP and its callers do with a frame.</remarks>
public sealed class Page
{
    public const int Size = 4096;
    public const int Shift = 12;
    public const ulong Mask = ~(ulong)(Size - 1);

    /// <summary>GUP_PIN_COUNTING_BIAS: a pin adds this to the reference count in one atomic step, as the
    /// kernel does for small folios, so pinning costs one interlocked operation.</summary>
    public const int PinCountingBias = 1024;

    private int _refCount = 1;

    // The frame is _array[_offset, _offset + Size): usually a slice of a FrameAllocator slab, so that
    // frames allocated in a row are adjacent in memory and user copies can coalesce them.
    private readonly byte[] _array;
    private readonly int _offset;

    /// <summary>A fresh zeroed frame, carved from the current thread's slab (see <see cref="FrameAllocator"/>).</summary>
    public Page() => _array = FrameAllocator.Allocate(out _offset);

    /// <summary>A frame over caller-supplied storage: exactly <see cref="Size"/> bytes.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is not <see cref="Size"/> bytes long.</exception>
    public Page(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != Size) throw new ArgumentException($"a page is {Size} bytes, got {data.Length}", nameof(data));
        _array = data;
    }

    /// <summary>A frame over caller-supplied storage: <paramref name="array"/>[<paramref name="offset"/>,
    /// <paramref name="offset"/> + <see cref="Size"/>). Frames over adjacent slices of one array are
    /// copied as one run by user copies.</summary>
    /// <exception cref="ArgumentException">The slice does not lie inside <paramref name="array"/>.</exception>
    public Page(byte[] array, int offset)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (offset < 0 || offset > array.Length - Size)
            throw new ArgumentException($"a {Size}-byte page at offset {offset} does not fit in {array.Length} bytes", nameof(offset));
        _array = array;
        _offset = offset;
    }

    /// <summary>The single shared zero page that anonymous read faults map (special PTE, read-only).
    /// It has an array of its own and must never be written.</summary>
    public static Page Zero { get; } = new(new byte[Size]) { IsZeroPage = true };

    /// <summary>The frame's <see cref="Size"/> bytes (a view, not a copy).</summary>
    public Span<byte> Span => new(_array, _offset, Size);

    /// <summary>The frame's <see cref="Size"/> bytes as <see cref="Memory{T}"/> (a view, not a copy).</summary>
    public Memory<byte> Memory => new(_array, _offset, Size);

    /// <summary>The array holding the frame (shared with adjacent frames of the same slab).</summary>
    internal byte[] Array => _array;

    /// <summary>The frame's first byte in <see cref="Array"/>.</summary>
    internal int Offset => _offset;

    /// <summary>True only for <see cref="Zero"/>.</summary>
    public bool IsZeroPage { get; private init; }

    /// <summary>True for anonymous memory the address space allocated itself (not page cache, not a frame).</summary>
    public bool IsAnonymous { get; internal init; }

    /// <summary>Set when the page was written through a shared mapping (page-cache writeback uses it).</summary>
    public bool Dirty { get; set; }

    /// <summary>References: 1 for the owner, plus one per GUP get, plus <see cref="PinCountingBias"/> per pin.</summary>
    public int RefCount => Volatile.Read(ref _refCount);

    /// <summary>Outstanding FOLL_PIN pins, derived from the biased reference count (exact while fewer than
    /// <see cref="PinCountingBias"/> plain references are held). Pinned pages may be under DMA.</summary>
    public int PinCount => RefCount / PinCountingBias;

    /// <summary>page_maybe_dma_pinned.</summary>
    public bool MaybeDmaPinned => PinCount > 0;

    internal void Get() => Interlocked.Increment(ref _refCount);

    internal void Put()
    {
        if (Interlocked.Decrement(ref _refCount) < 1)
        {
            Interlocked.Increment(ref _refCount);
            throw new InvalidOperationException("put_page on a page with no reference left (double release)");
        }
    }

    internal void Pin() => Interlocked.Add(ref _refCount, PinCountingBias);

    internal void Unpin()
    {
        if (Interlocked.Add(ref _refCount, -PinCountingBias) < 1)
        {
            Interlocked.Add(ref _refCount, PinCountingBias);
            throw new InvalidOperationException("unpin_user_page on a page that is not pinned (double release)");
        }
    }
}
