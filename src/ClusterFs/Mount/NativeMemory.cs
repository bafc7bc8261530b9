using System.Buffers;

namespace ClusterFs.Cli.Mount;

/// <summary>
/// A <see cref="Memory{T}"/> over native memory (the FUSE request/reply buffers), so FUSE data reaches the core as
/// a KVEC iterator without a copy. One instance per worker thread is reused; the pointer is valid only for the
/// request being served.
/// </summary>
internal sealed unsafe class NativeMemory : MemoryManager<byte>
{
    [ThreadStatic] private static NativeMemory? t_current;
    private byte* _pointer;
    private int _length;

    /// <summary>The calling thread's reusable manager, pointed at [pointer, pointer + length).</summary>
    public static Memory<byte> Wrap(byte* pointer, int length)
    {
        var m = t_current ??= new NativeMemory();
        m._pointer = pointer;
        m._length = length;
        return m.Memory;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
