using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>A device that holds back every write whose data starts with <paramref name="marker"/> until the test opens
/// the gate (metadata and journal writes pass), so one direct-I/O bio is certainly in flight. Waits are bounded.</summary>
public sealed class MarkerGatedDevice(IBlockDevice inner, byte[] marker) : IBlockDevice
{
    private readonly ManualResetEventSlim _gate = new(false);
    private readonly ManualResetEventSlim _held = new(false);

    public int SectorSize => inner.SectorSize;

    public long Size => inner.Size;

    /// <summary>Waits (bounded) until a marked write is being held.</summary>
    public bool WaitHeld(TimeSpan timeout) => _held.Wait(timeout);

    public void Open() => _gate.Set();

    public Errno Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);

    public Errno Write(long offset, ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(marker))
        {
            _held.Set();
            if (!_gate.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("the test never opened the device gate");
        }
        return inner.Write(offset, data);
    }

    public Errno Flush() => inner.Flush();

    public Errno Discard(long offset, long length) => inner.Discard(offset, length);

    public void Dispose()
    {
        _gate.Dispose();
        _held.Dispose();
    }
}
