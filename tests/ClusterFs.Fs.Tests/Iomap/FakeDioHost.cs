using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Iomap;

/// <summary>
/// An inode for the direct-I/O engine without a filesystem: an explicit extent list over a block device
/// (file offsets not covered by an extent are holes; a write into a hole maps it 1:1 onto the device),
/// recording every call the engine makes and failing on request.
/// </summary>
public sealed class FakeDioHost : IDioHost, IIomapOps
{
    private readonly List<IomapMapping> _extents = [];
    private readonly object _lock = new();

    public FakeDioHost(IBlockDevice device, long size, int blockSize = 4096)
    {
        Device = device;
        Size = size;
        BlockSize = blockSize;
    }

    public long Size { get; set; }

    public int BlockSize { get; }

    public IBlockDevice Device { get; }

    public IIomapOps Iomap => this;

    public Errno WriteAndWaitResult { get; set; }

    public Errno InvalidateResult { get; set; }

    /// <summary>Called by Begin before mapping; a non-OK result is returned from Begin.</summary>
    public Func<long, IomapIterFlags, Errno>? BeginHook { get; set; }

    public List<(long Pos, long Length)> WriteAndWaitCalls { get; } = [];

    public List<(long Pos, long Length)> InvalidateCalls { get; } = [];

    public List<(long Pos, long Size, Errno Error, bool Write)> EndIoCalls { get; } = [];

    public List<(long Pos, long Length, long Written)> EndCalls { get; } = [];

    public List<IomapIterFlags> BeginFlags { get; } = [];

    public void AddExtent(long offset, long length, IomapType type, long deviceOffset = IomapMapping.NoDeviceOffset,
        Memory<byte> inline = default) =>
        _extents.Add(new IomapMapping(offset, length, type, deviceOffset, IomapFlags.None, inline));

    /// <summary>Maps file bytes [0, length) onto the device 1:1.</summary>
    public void MapIdentity(long length) => AddExtent(0, length, IomapType.Mapped, 0);

    public Errno WriteAndWait(long pos, long length)
    {
        lock (_lock) WriteAndWaitCalls.Add((pos, length));
        return WriteAndWaitResult;
    }

    public Errno InvalidatePages(long pos, long length)
    {
        lock (_lock) InvalidateCalls.Add((pos, length));
        return InvalidateResult;
    }

    public Errno EndIo(long pos, long size, Errno error, bool write)
    {
        lock (_lock)
        {
            EndIoCalls.Add((pos, size, error, write));
            if (write && error.IsOk && pos + size > Size) Size = pos + size;
        }
        return error;
    }

    public Errno Begin(long pos, long length, IomapIterFlags flags, out IomapMapping mapping)
    {
        lock (_lock) BeginFlags.Add(flags);
        mapping = default;
        Errno hooked = BeginHook?.Invoke(pos, flags) ?? Errno.OK;
        if (!hooked.IsOk) return hooked;
        long next = pos + length;
        foreach (var e in _extents)
        {
            if (e.Offset <= pos && pos < e.Offset + e.Length)
            {
                mapping = e;
                return Errno.OK;
            }
            if (e.Offset > pos) next = Math.Min(next, e.Offset);
        }
        mapping = (flags & IomapIterFlags.Write) != 0
            ? new IomapMapping(pos, next - pos, IomapType.Mapped, pos, IomapFlags.New)
            : new IomapMapping(pos, next - pos, IomapType.Hole, IomapMapping.NoDeviceOffset, IomapFlags.None);
        return Errno.OK;
    }

    public Errno End(long pos, long length, long written, IomapIterFlags flags, in IomapMapping mapping)
    {
        lock (_lock) EndCalls.Add((pos, length, written));
        return Errno.OK;
    }
}
