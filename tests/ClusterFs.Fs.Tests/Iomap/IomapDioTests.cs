using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.Storage;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using static ClusterFs.Fs.Tests.Iomap.DioTestData;

namespace ClusterFs.Fs.Tests.Iomap;

/// <summary>iomap_dio_rw over a fake inode: early exits, page-cache handling, each mapping type, alignment,
/// done_before accounting and completion.</summary>
public sealed class IomapDioTests : IDisposable
{
    private const int DeviceSize = 1 << 20;
    private readonly AddressSpace _mm = new();
    private readonly byte[] _image = Pattern(0, DeviceSize);
    private readonly MemoryBlockDevice _device;
    private readonly FakeDioHost _host;

    public IomapDioTests()
    {
        _device = new MemoryBlockDevice((byte[])_image.Clone());
        _host = new FakeDioHost(_device, size: 64 * P);
    }

    public void Dispose() => _mm.Dispose();

    private IovIter ReadIter(int length, out ulong addr)
    {
        addr = MapPopulated(_mm, length);
        return IovIter.CreateUbuf(IterDirection.Dest, _mm, addr, length);
    }

    private IovIter WriteIter(byte[] data, out ulong addr)
    {
        addr = MapPopulated(_mm, data.Length, data);
        return IovIter.CreateUbuf(IterDirection.Source, _mm, addr, data.Length);
    }

    [Fact]
    public void EmptyIteratorReturnsZeroNotDoneBefore()
    {
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, MapPopulated(_mm, P), 0);
        Assert.Equal(0, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.Partial, doneBefore: 5000));
        Assert.Empty(_host.WriteAndWaitCalls);
        Assert.Empty(_host.EndIoCalls);
    }

    [Fact]
    public void ReadAtOrPastEofReturnsZeroNotDoneBeforeAndTouchesNothing()
    {
        _host.MapIdentity(DeviceSize);
        foreach (long pos in new[] { 64L * P, 80L * P })
        {
            var iocb = new Kiocb(pos);
            var iter = ReadIter(P, out _);
            Assert.Equal(0, IomapDio.Rw(iocb, iter, _host, DioFlags.None, doneBefore: 123));
            Assert.Equal(pos, iocb.Position);
            Assert.Equal(P, iter.Count);
        }
        Assert.Empty(_host.EndIoCalls);
    }

    [Fact]
    public void MappedReadCopiesDeviceBytesAdvancesPositionAndAddsDoneBefore()
    {
        _host.AddExtent(0, 16 * P, IomapType.Mapped, deviceOffset: 32 * P);
        var iocb = new Kiocb(4 * P);
        var iter = ReadIter(8 * P, out ulong addr);
        long ret = IomapDio.Rw(iocb, iter, _host, DioFlags.None, doneBefore: 3 * P);
        Assert.Equal(11 * P, ret);
        Assert.Equal(12 * P, iocb.Position);
        Assert.Equal(0, iter.Count);
        Assert.Equal(_image.AsSpan(36 * P, 8 * P).ToArray(), ReadUser(_mm, addr, 8 * P));
        Assert.Equal([(4L * P, 8L * P)], _host.WriteAndWaitCalls);
        Assert.Equal([(4L * P, 8L * P, Errno.OK, false)], _host.EndIoCalls);
    }

    [Fact]
    public void MappedWriteStoresUserBytesAndInvalidatesTheCachedRange()
    {
        _host.MapIdentity(DeviceSize);
        var data = Pattern(0, 3 * P, seed: 9);
        var iocb = new Kiocb(2 * P);
        long ret = IomapDio.Rw(iocb, WriteIter(data, out _), _host, DioFlags.None, doneBefore: 0);
        Assert.Equal(3 * P, ret);
        Assert.Equal(data, _device.ToArray().AsSpan(2 * P, 3 * P).ToArray());
        Assert.Equal((2L * P, 3L * P), _host.InvalidateCalls[0]);
        Assert.All(_host.BeginFlags, f => Assert.Equal(IomapIterFlags.Direct | IomapIterFlags.Write, f));
    }

    [Fact]
    public void ReadFlushFailureIsReturnedBeforeAnyIo()
    {
        _host.MapIdentity(DeviceSize);
        _host.WriteAndWaitResult = Errno.EIO;
        var iter = ReadIter(P, out _);
        Assert.Equal(Errno.EIO.Negative, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.None, 0));
        Assert.Empty(_host.BeginFlags);
    }

    [Fact]
    public void WriteInvalidationFailureReturnsEnotblkForBufferedFallbackButEagainStaysEagain()
    {
        _host.MapIdentity(DeviceSize);
        _host.InvalidateResult = Errno.EBUSY;
        Assert.Equal(Errno.ENOTBLK.Negative, IomapDio.Rw(new Kiocb(0), WriteIter(new byte[P], out _), _host, DioFlags.None, 0));
        _host.InvalidateResult = Errno.EAGAIN;
        Assert.Equal(Errno.EAGAIN.Negative, IomapDio.Rw(new Kiocb(0), WriteIter(new byte[P], out _), _host, DioFlags.None, 0));
        Assert.Empty(_host.BeginFlags);
        Assert.Equal(_image, _device.ToArray());
    }

    [Fact]
    public void HoleAndUnwrittenReadsReturnZeroes()
    {
        _host.AddExtent(0, 2 * P, IomapType.Mapped, 0);
        _host.AddExtent(2 * P, 2 * P, IomapType.Unwritten, 2 * P);
        // [4P, 64P) is a hole.
        var iter = ReadIter(6 * P, out ulong addr);
        Assert.Equal(0, _mm.CopyToUser(addr, Enumerable.Repeat((byte)0xEE, 6 * P).ToArray()));
        Assert.Equal(6 * P, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.None, 0));
        var got = ReadUser(_mm, addr, 6 * P);
        Assert.Equal(_image.AsSpan(0, 2 * P).ToArray(), got[..(2 * P)]);
        Assert.All(got[(2 * P)..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void HoleReadIntoUnwritableBufferZeroesNothingAndFailsWithEfault()
    {
        long addr = _mm.Mmap(0, P, Prot.Read, MapFlags.Private);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, (ulong)addr, P);
        Assert.Equal(Errno.EFAULT.Negative, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.Partial, doneBefore: 10));
        Assert.Equal(P, iter.Count);
        Assert.Equal(Errno.EFAULT, _host.EndIoCalls.Single().Error);
    }

    [Fact]
    public void InlineReadCopiesTheInlineDataAndInlineWriteStoresIntoIt()
    {
        var inline = Pattern(0, 300, seed: 4);
        _host.Size = 300;
        _host.AddExtent(0, 300, IomapType.Inline, inline: inline);
        var iter = ReadIter(P, out ulong addr);
        var iocb = new Kiocb(0);
        Assert.Equal(300, IomapDio.Rw(iocb, iter, _host, DioFlags.None, 0));
        Assert.Equal(inline, ReadUser(_mm, addr, 300));
        Assert.Equal(300, iocb.Position);

        var data = Pattern(0, 100, seed: 5);
        Assert.Equal(100, IomapDio.Rw(new Kiocb(50), WriteIter(data, out _), _host, DioFlags.None, 0));
        Assert.Equal(data, inline.AsSpan(50, 100).ToArray());
    }

    [Fact]
    public void InlineCopyOfZeroBytesFailsWithEfault()
    {
        _host.Size = 300;
        _host.AddExtent(0, 300, IomapType.Inline, inline: new byte[300]);
        long addr = _mm.Mmap(0, P, Prot.Read, MapFlags.Private);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, (ulong)addr, P);
        Assert.Equal(Errno.EFAULT.Negative, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.None, 0));
    }

    [Theory]
    [InlineData(512, 4096)]
    [InlineData(0, 4000)]
    public void MisalignedMappedIoFailsWithEinval(long pos, int length)
    {
        _host.MapIdentity(DeviceSize);
        var data = new byte[length];
        Assert.Equal(Errno.EINVAL.Negative, IomapDio.Rw(new Kiocb(pos), WriteIter(data, out _), _host, DioFlags.None, 0));
        Assert.Equal(Errno.EINVAL.Negative, IomapDio.Rw(new Kiocb(pos), ReadIter(length, out _), _host, DioFlags.None, 0));
        Assert.Equal(_image, _device.ToArray());
    }

    [Fact]
    public void DelallocReadFailsWithEio()
    {
        _host.AddExtent(0, 4 * P, IomapType.Delalloc);
        Assert.Equal(Errno.EIO.Negative, IomapDio.Rw(new Kiocb(0), ReadIter(P, out _), _host, DioFlags.None, 0));
    }

    [Fact]
    public void ReadAcrossEofReportsBytesUpToEofAndGivesTheRestBackToTheIterator()
    {
        _host.MapIdentity(DeviceSize);
        _host.Size = 2 * P + 100;
        var iocb = new Kiocb(P);
        var iter = ReadIter(4 * P, out ulong addr);
        Assert.Equal(P + 100 + 7, IomapDio.Rw(iocb, iter, _host, DioFlags.None, doneBefore: 7));
        Assert.Equal(2 * P + 100, iocb.Position);
        Assert.Equal(4 * P - (P + 100), iter.Count);
        Assert.Equal(_image.AsSpan(P, P + 100).ToArray(), ReadUser(_mm, addr, P + 100));
    }

    [Fact]
    public void BeginErrorFailsTheCallWithoutAddingDoneBefore()
    {
        _host.BeginHook = (pos, _) => pos >= 2 * P ? Errno.ENOSPC : Errno.OK;
        _host.AddExtent(0, 2 * P, IomapType.Mapped, 0);
        var iocb = new Kiocb(0);
        Assert.Equal(Errno.ENOSPC.Negative, IomapDio.Rw(iocb, WriteIter(new byte[4 * P], out _), _host, DioFlags.Partial, doneBefore: 999));
        Assert.Equal(0, iocb.Position);
    }

    [Fact]
    public void DeviceErrorFailsTheCallWithoutAddingDoneBefore()
    {
        var faulty = new FaultInjectingDevice(new MemoryBlockDevice(DeviceSize), seed: 1);
        faulty.AddBadRange(2 * P, P, failReads: true, failWrites: false);
        var host = new FakeDioHost(faulty, 64 * P);
        host.MapIdentity(DeviceSize);
        var iocb = new Kiocb(0);
        var iter = ReadIter(4 * P, out _);
        long ret = IomapDio.Rw(iocb, iter, host, DioFlags.Partial, doneBefore: 999);
        Assert.True(ret < 0, $"expected an error, got {ret}");
        Assert.Equal(0, iocb.Position);
    }

    [Fact]
    public void EnotblkFromBeginReturnsTheBytesDoneSoFarPlusDoneBefore()
    {
        // Mappings of one page each, so the third Begin sees the ENOTBLK.
        var host = new FakeDioHost(_device, 64 * P);
        for (int i = 0; i < 8; i++) host.AddExtent(i * P, P, IomapType.Mapped, i * P);
        host.BeginHook = (pos, _) => pos >= 2 * P ? Errno.ENOTBLK : Errno.OK;
        var iocb = new Kiocb(0);
        var data = Pattern(0, 4 * P, seed: 3);
        var iter = WriteIter(data, out _);
        Assert.Equal(2 * P + 10, IomapDio.Rw(iocb, iter, host, DioFlags.None, doneBefore: 10));
        Assert.Equal(2 * P, iocb.Position);
        Assert.Equal(2 * P, iter.Count);
        Assert.Equal(data[..(2 * P)], _device.ToArray()[..(2 * P)]);
    }

    [Fact]
    public void DsyncWriteFlushesTheDeviceAndPlainWriteDoesNot()
    {
        _host.MapIdentity(DeviceSize);
        IomapDio.Rw(new Kiocb(0), WriteIter(new byte[P], out _), _host, DioFlags.None, 0);
        Assert.Equal(0, _device.FlushCount);
        IomapDio.Rw(new Kiocb(0, KiocbFlags.Direct | KiocbFlags.Dsync), WriteIter(new byte[P], out _), _host, DioFlags.None, 0);
        Assert.Equal(1, _device.FlushCount);
    }

    [Fact]
    public void OverwriteOnlyWriteBeyondEofFailsWithEagainBeforeAnyIo()
    {
        _host.MapIdentity(DeviceSize);
        var iocb = new Kiocb(63 * P);
        Assert.Equal(Errno.EAGAIN.Negative, IomapDio.Rw(iocb, WriteIter(new byte[2 * P], out _), _host, DioFlags.OverwriteOnly, 0));
        Assert.Empty(_host.InvalidateCalls);
        Assert.Equal(P, IomapDio.Rw(iocb, WriteIter(new byte[P], out _), _host, DioFlags.OverwriteOnly, 0));
        Assert.Contains(IomapIterFlags.OverwriteOnly, _host.BeginFlags.Select(f => f & IomapIterFlags.OverwriteOnly));
    }

    [Fact]
    public void UnalignedUserAddressesAndIovecSegmentsMoveTheRightBytes()
    {
        _host.MapIdentity(DeviceSize);
        ulong a = MapPopulated(_mm, 4 * P);
        ulong b = MapPopulated(_mm, 4 * P);
        // 3 segments with odd addresses and lengths summing to 3 pages (sector-aligned total).
        Iovec[] vec = [new(a + 100, 1000), new(b + 3, 2 * P), new(a + 2 * P + 5, P - 1000)];
        var iter = IovIter.CreateIovec(IterDirection.Dest, _mm, vec);
        Assert.Equal(3 * P, IomapDio.Rw(new Kiocb(P), iter, _host, DioFlags.None, 0));
        var expect = _image.AsSpan(P, 3 * P).ToArray();
        Assert.Equal(expect[..1000], ReadUser(_mm, a + 100, 1000));
        Assert.Equal(expect[1000..(1000 + 2 * P)], ReadUser(_mm, b + 3, 2 * P));
        Assert.Equal(expect[(1000 + 2 * P)..], ReadUser(_mm, a + 2 * P + 5, P - 1000));
    }

    [Fact]
    public void KvecDirectIoCopiesThroughTheBounceBuffer()
    {
        _host.MapIdentity(DeviceSize);
        var data = Pattern(0, 3 * P, seed: 8);
        Assert.Equal(3 * P, IomapDio.Rw(new Kiocb(P), IovIter.CreateKvec(IterDirection.Source, data), _host, DioFlags.None, 0));
        var back = new byte[3 * P];
        Assert.Equal(3 * P, IomapDio.Rw(new Kiocb(P), IovIter.CreateKvec(IterDirection.Dest, back), _host, DioFlags.None, 0));
        Assert.Equal(data, back);
    }

    [Fact]
    public void LargeReadSpanningManyBiosAndMappingsIsExact()
    {
        var host = new FakeDioHost(_device, DeviceSize);
        // Two mappings, the second at a different device offset, each bigger than one 1 MiB bio would be.
        host.AddExtent(0, 96 * P, IomapType.Mapped, 160 * P);
        host.AddExtent(96 * P, 160 * P, IomapType.Mapped, 0);
        var iter = ReadIter(256 * P, out ulong addr);
        Assert.Equal(256 * P, IomapDio.Rw(new Kiocb(0), iter, host, DioFlags.None, 0));
        var got = ReadUser(_mm, addr, 256 * P);
        Assert.Equal(_image.AsSpan(160 * P, 96 * P).ToArray(), got[..(96 * P)]);
        Assert.Equal(_image.AsSpan(0, 160 * P).ToArray(), got[(96 * P)..]);
    }
}
