using System.Runtime.InteropServices;

namespace ClusterFs.XfsTests.Native;

/// <summary>
/// Native memory aligned for O_DIRECT (NativeMemory.AlignedAlloc), zeroed on allocation and freed on
/// dispose. Exposed as a span for filling and checking and as an address for pread/pwrite.
/// </summary>
internal sealed unsafe class AlignedBuffer : IDisposable
{
    private void* _ptr;

    /// <summary>Allocates <paramref name="length"/> zeroed bytes aligned to <paramref name="alignment"/>.</summary>
    public AlignedBuffer(long length, int alignment = 4096)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
        Length = length;
        _ptr = NativeMemory.AlignedAlloc((nuint)Math.Max(length, 1), (nuint)alignment);
        NativeMemory.Clear(_ptr, (nuint)Math.Max(length, 1));
    }

    public long Length { get; }

    public nint Address => (nint)_ptr;

    /// <summary>The whole buffer (or a slice) as a span; valid until dispose.</summary>
    public Span<byte> Span => new(_ptr, checked((int)Length));

    public void Dispose()
    {
        if (_ptr != null) { NativeMemory.AlignedFree(_ptr); _ptr = null; }
    }
}
