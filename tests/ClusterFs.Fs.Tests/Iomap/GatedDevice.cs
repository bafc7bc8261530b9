using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Iomap;

/// <summary>A device whose reads and writes block until the test opens the gate, so asynchronous direct
/// I/O is certainly still in flight when the submitter returns. Every wait is bounded.</summary>
public sealed class GatedDevice(IBlockDevice inner) : IBlockDevice
{
    private readonly ManualResetEventSlim _gate = new(false);
    private int _started;

    public int SectorSize => inner.SectorSize;

    public long Size => inner.Size;

    public int Started => Volatile.Read(ref _started);

    public void Open() => _gate.Set();

    public Errno Read(long offset, Span<byte> buffer)
    {
        Pass();
        return inner.Read(offset, buffer);
    }

    public Errno Write(long offset, ReadOnlySpan<byte> data)
    {
        Pass();
        return inner.Write(offset, data);
    }

    public Errno Flush() => inner.Flush();

    public Errno Discard(long offset, long length) => inner.Discard(offset, length);

    public void Dispose() => _gate.Dispose();

    private void Pass()
    {
        Interlocked.Increment(ref _started);
        if (!_gate.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("the test never opened the device gate");
    }
}
