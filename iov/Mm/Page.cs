namespace ClusterFs.Iov.Mm;

/// <summary>
/// A 4096-byte frame: anonymous memory, a page-cache page (mapped shared, a write through the
/// mapping is a write to the cache), the shared zero page, or an IO/PFNMAP frame.
/// </summary>
/// <remarks>The frame's memory is managed by the GC; the reference and pin counts model what GUP and
/// its callers do with a frame (a pinned page must stay valid for DMA even after it is unmapped).</remarks>
public sealed class Page
{
    public const int Size = 4096;
    public const int Shift = 12;
    public const ulong Mask = ~(ulong)(Size - 1);

    /// <summary>GUP_PIN_COUNTING_BIAS: a pin adds this to the reference count in one atomic step, as the
    /// kernel does for small folios, so pinning costs one interlocked operation.</summary>
    public const int PinCountingBias = 1024;

    private int _refCount = 1;

    /// <summary>The frame's bytes. The shared zero page's array must never be written.</summary>
    public byte[] Data { get; }

    public Page() => Data = new byte[Size];

    public Page(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != Size) throw new ArgumentException($"a page is {Size} bytes, got {data.Length}", nameof(data));
        Data = data;
    }

    /// <summary>The single shared zero page that anonymous read faults map (special PTE, read-only).</summary>
    public static Page Zero { get; } = new() { IsZeroPage = true };

    public Span<byte> Span => Data;

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
