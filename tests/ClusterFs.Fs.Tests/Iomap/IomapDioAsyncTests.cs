using System.Collections.Concurrent;
using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.Storage;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using static ClusterFs.Fs.Tests.Iomap.DioTestData;

namespace ClusterFs.Fs.Tests.Iomap;

/// <summary>iomap_dio_rw with asynchronous kiocbs: -EIOCBQUEUED and exactly one later completion, ForceWait,
/// and the synchronous partial completion after a fault.</summary>
public sealed class IomapDioAsyncTests : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private const int DeviceSize = 8 << 20;
    private readonly AddressSpace _mm = new();
    private readonly byte[] _image = Pattern(0, DeviceSize);
    private readonly MemoryBlockDevice _memory;
    private readonly GatedDevice _gated;
    private readonly BlockingCollection<long> _completions = new();

    public IomapDioAsyncTests()
    {
        _memory = new MemoryBlockDevice((byte[])_image.Clone());
        _gated = new GatedDevice(_memory);
    }

    public void Dispose()
    {
        _gated.Open();
        _gated.Dispose();
        _mm.Dispose();
    }

    private Kiocb AsyncKiocb(long pos, KiocbFlags flags = KiocbFlags.Direct) =>
        new(pos, flags, (_, result) => _completions.Add(result));

    private FakeDioHost Host(IBlockDevice device)
    {
        var host = new FakeDioHost(device, DeviceSize);
        host.MapIdentity(DeviceSize);
        return host;
    }

    [Fact]
    public void AsyncReadInFlightReturnsEiocbqueuedAndCompletesExactlyOnceWithDoneBefore()
    {
        ulong addr = MapPopulated(_mm, 3 << 20);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, addr, 3 << 20);
        var iocb = AsyncKiocb(P);
        var host = Host(_gated);

        Assert.Equal(Errno.EIOCBQUEUED.Negative, IomapDio.Rw(iocb, iter, host, DioFlags.Partial, doneBefore: 77));
        Assert.Empty(_completions);
        _gated.Open();
        Assert.True(_completions.TryTake(out long result, s_wait), "the queued direct read never completed");
        Assert.Equal((3 << 20) + 77, result);
        Assert.Equal(P + (3 << 20), iocb.Position);
        Assert.Equal(_image.AsSpan(P, 3 << 20).ToArray(), ReadUser(_mm, addr, 3 << 20));
        Assert.Single(host.EndIoCalls);
        Assert.False(_completions.TryTake(out _, TimeSpan.Zero), "Complete was called twice");
    }

    [Fact]
    public void AsyncWriteInFlightCompletesLaterWithTheDataOnTheDevice()
    {
        var data = Pattern(0, 2 << 20, seed: 12);
        ulong addr = MapPopulated(_mm, data.Length, data);
        var iter = IovIter.CreateUbuf(IterDirection.Source, _mm, addr, data.Length);
        var host = Host(_gated);
        Assert.Equal(Errno.EIOCBQUEUED.Negative, IomapDio.Rw(AsyncKiocb(0), iter, host, DioFlags.None, 0));
        _gated.Open();
        Assert.True(_completions.TryTake(out long result, s_wait));
        Assert.Equal(data.Length, result);
        Assert.Equal(data, _memory.ToArray().AsSpan(0, data.Length).ToArray());
    }

    [Fact]
    public async Task ForceWaitCompletesAnAsyncKiocbSynchronouslyWithoutCallingComplete()
    {
        ulong addr = MapPopulated(_mm, 2 * P);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, addr, 2 * P);
        var host = Host(_gated);
        var call = Task.Run(() => IomapDio.Rw(AsyncKiocb(0), iter, host, DioFlags.ForceWait, doneBefore: 5));
        Assert.True(SpinWait.SpinUntil(() => _gated.Started > 0, s_wait), "the device was never reached");
        Assert.False(call.IsCompleted, "ForceWait returned while its I/O was held at the device");
        _gated.Open();
        Assert.Equal(2 * P + 5, await call.WaitAsync(s_wait));
        Assert.Empty(_completions);
    }

    [Fact]
    public void FaultStoppingAsyncSubmissionWithPartialCompletesSynchronouslyWithThePartialCount()
    {
        // 2 MiB present, then absent pages: bios of the first 2 MiB are queued before the fault stops submission.
        ulong addr = MapAbsent(_mm, 3 << 20);
        Assert.Equal(0, _mm.CopyToUser(addr, new byte[2 << 20]));
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, addr, 3 << 20);
        iter.NoFault = true;
        var iocb = AsyncKiocb(0);
        long ret = IomapDio.Rw(iocb, iter, Host(_memory), DioFlags.Partial, doneBefore: 9);
        Assert.Equal((2 << 20) + 9, ret);
        Assert.Equal(2 << 20, iocb.Position);
        Assert.Equal(_image.AsSpan(0, 2 << 20).ToArray(), ReadUser(_mm, addr, 2 << 20));
        Assert.Empty(_completions);
    }

    [Fact]
    public void AsyncDeviceErrorCompletesOnceWithTheErrorAndNoDoneBefore()
    {
        var faulty = new FaultInjectingDevice(_gated, seed: 3);
        faulty.AddBadRange(1 << 20, P, failReads: true, failWrites: false);
        ulong addr = MapPopulated(_mm, 2 << 20);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, addr, 2 << 20);
        var iocb = AsyncKiocb(0);
        Assert.Equal(Errno.EIOCBQUEUED.Negative, IomapDio.Rw(iocb, iter, Host(faulty), DioFlags.Partial, doneBefore: 50));
        _gated.Open();
        Assert.True(_completions.TryTake(out long result, s_wait));
        Assert.True(result < 0, $"expected an error, got {result}");
        Assert.Equal(0, iocb.Position);
        Assert.False(_completions.TryTake(out _, TimeSpan.Zero));
    }
}
