namespace ClusterFs.Iov.Mm;

/// <summary>
/// A 4096-byte frame: anonymous memory, a page-cache page (mapped shared, a write through the
/// mapping is a write to the cache), the shared zero page, or an IO/PFNMAP frame.
/// </summary>
public sealed class Page
{
    public const int Size = 4096;
    public const int Shift = 12;
    public const ulong Mask = ~(ulong)(Size - 1);

    /// <summary>The frame's bytes. The shared zero page's array must never be written.</summary>
    public byte[] Data { get; }

    public Page() => Data = new byte[Size];

    public Page(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != Size) throw new ArgumentException($"a page is {Size} bytes, got {data.Length}", nameof(data));
        Data = data;
    }

    public Span<byte> Span => Data;
}
