using System.Runtime.InteropServices;

namespace ClusterFs.Fuse;

/// <summary>
/// Reply buffers, one per worker thread, allocated on a thread's first request and reused for all
/// later ones: DESIGN.md measured a fresh buffer per request at 2.5-7x slower on O_DIRECT reads
/// (every page of a new buffer faults and is zeroed). Buffers are page-aligned native memory, so
/// the core may use them for direct I/O. All buffers are freed when the pool is disposed, which
/// happens after the session loop (and its threads) has ended.
/// </summary>
internal sealed unsafe class ReplyBufferPool : IDisposable
{
    [ThreadStatic] private static ReplyBufferPool? t_owner;
    [ThreadStatic] private static nint t_buffer;

    private readonly int _size;
    // Guards _all and _disposed; taken only on a thread's first request and at dispose.
    private readonly object _lock = new();
    private readonly List<nint> _all = [];
    private bool _disposed;

    public ReplyBufferPool(int size) => _size = size;

    /// <summary>The size of every buffer.</summary>
    public int Size => _size;

    /// <summary>Buffers allocated so far (one per thread that needed one).</summary>
    public int Allocated
    {
        get { lock (_lock) return _all.Count; }
    }

    /// <summary>The calling thread's buffer, allocated on first use.</summary>
    public byte* ThreadBuffer()
    {
        if (t_owner == this)
            return (byte*)t_buffer;
        nint buf = (nint)NativeMemory.AlignedAlloc((nuint)_size, 4096);
        lock (_lock)
        {
            if (_disposed)
            {
                NativeMemory.AlignedFree((void*)buf);
                throw new ObjectDisposedException(nameof(ReplyBufferPool));
            }
            _all.Add(buf);
        }
        t_owner = this;
        t_buffer = buf;
        return (byte*)buf;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (nint b in _all)
                NativeMemory.AlignedFree((void*)b);
            _all.Clear();
        }
    }
}
