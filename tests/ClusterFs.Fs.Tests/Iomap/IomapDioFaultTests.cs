using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.Storage;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using static ClusterFs.Fs.Tests.Iomap.DioTestData;

namespace ClusterFs.Fs.Tests.Iomap;

/// <summary>iomap_dio_rw when getting user pages fails: Partial, revert, IO/PFNMAP buffers, the zero page,
/// NoFault versus FastOnly, and page references.</summary>
public sealed class IomapDioFaultTests : IDisposable
{
    private const int DeviceSize = 1 << 20;
    private readonly AddressSpace _mm = new();
    private readonly byte[] _image = Pattern(0, DeviceSize);
    private readonly MemoryBlockDevice _device;
    private readonly FakeDioHost _host;

    public IomapDioFaultTests()
    {
        _device = new MemoryBlockDevice((byte[])_image.Clone());
        _host = new FakeDioHost(_device, size: 64 * P);
        _host.MapIdentity(DeviceSize);
    }

    public void Dispose() => _mm.Dispose();

    /// <summary>A buffer of <paramref name="pages"/> pages whose first <paramref name="present"/> are
    /// written (present) and the rest never touched (absent until fault-in).</summary>
    private ulong HalfPresent(int pages, int present, byte[]? content = null)
    {
        ulong addr = MapAbsent(_mm, pages * P);
        var data = content ?? new byte[pages * P];
        Assert.Equal(0, _mm.CopyToUser(addr, data.AsSpan(0, present * P)));
        return addr;
    }

    [Theory]
    [InlineData(IterDirection.Dest)]
    [InlineData(IterDirection.Source)]
    public void FaultWithPartialReturnsTheSubmittedHalfAndTheRetryTheWholeWithDoneBeforeCountedOnce(IterDirection dir)
    {
        var data = Pattern(0, 8 * P, seed: 6);
        ulong addr = HalfPresent(8, 4, dir == IterDirection.Source ? data : null);
        var iter = IovIter.CreateUbuf(dir, _mm, addr, 8 * P);
        iter.NoFault = true;
        var iocb = new Kiocb(8 * P);

        long first = IomapDio.Rw(iocb, iter, _host, DioFlags.Partial, doneBefore: 100);
        Assert.Equal(4 * P + 100, first);
        Assert.Equal(12 * P, iocb.Position);
        Assert.Equal(4 * P, iter.Count);
        // The round that hit the fault reported its progress; the next round failed with nothing done.
        Assert.Equal([(8L * P, 8L * P, 4L * P), (12L * P, 4L * P, 0L)], _host.EndCalls);

        Assert.Equal(0, FaultInIter.FaultInIovIterWriteable(iter, iter.Count));
        if (dir == IterDirection.Source) Assert.Equal(0, _mm.CopyToUser(addr + 4 * P, data.AsSpan(4 * P)));
        long second = IomapDio.Rw(iocb, iter, _host, DioFlags.Partial, doneBefore: first);
        Assert.Equal(8 * P + 100, second);
        Assert.Equal(16 * P, iocb.Position);
        Assert.Equal(0, iter.Count);
        if (dir == IterDirection.Dest) Assert.Equal(_image.AsSpan(8 * P, 8 * P).ToArray(), ReadUser(_mm, addr, 8 * P));
        else Assert.Equal(data, _device.ToArray().AsSpan(8 * P, 8 * P).ToArray());
    }

    [Theory]
    [InlineData(IterDirection.Dest)]
    [InlineData(IterDirection.Source)]
    public void FaultWithoutPartialFailsWithEfaultAndRevertsTheIteratorByEverythingTransferred(IterDirection dir)
    {
        ulong addr = HalfPresent(8, 4);
        var iter = IovIter.CreateUbuf(dir, _mm, addr, 8 * P);
        iter.NoFault = true;
        var iocb = new Kiocb(0);
        Assert.Equal(Errno.EFAULT.Negative, IomapDio.Rw(iocb, iter, _host, DioFlags.None, doneBefore: 100));
        Assert.Equal(8 * P, iter.Count);
        Assert.Equal(0, iocb.Position);
        Assert.Equal(Errno.EFAULT, _host.EndIoCalls.Single().Error);
        Assert.Equal(4 * P, _host.EndIoCalls.Single().Size);
    }

    [Fact]
    public void FaultOnTheFirstPageFailsWithEfaultEvenWithPartial()
    {
        ulong addr = MapAbsent(_mm, 4 * P);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, addr, 4 * P);
        iter.NoFault = true;
        Assert.Equal(Errno.EFAULT.Negative, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.Partial, doneBefore: 100));
        Assert.Equal(4 * P, iter.Count);
    }

    [Fact]
    public void WithoutNoFaultGupFaultsAbsentPagesInAndTheReadCompletes()
    {
        ulong addr = MapAbsent(_mm, 4 * P);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, addr, 4 * P);
        Assert.Equal(4 * P, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.None, 0));
        Assert.Equal(_image.AsSpan(0, 4 * P).ToArray(), ReadUser(_mm, addr, 4 * P));
    }

    [Theory]
    [InlineData(true, IterDirection.Dest)]
    [InlineData(true, IterDirection.Source)]
    [InlineData(false, IterDirection.Dest)]
    [InlineData(false, IterDirection.Source)]
    public void IoAndPfnmapBuffersAreRefusedByGupWithEfaultThoughPlainAccessWorks(bool pfnMap, IterDirection dir)
    {
        var frames = Enumerable.Range(0, 2).Select(_ => new Page()).ToArray();
        long addr = _mm.MmapFrames(0, frames, Prot.Read | Prot.Write, MapFlags.Shared, pfnMap);
        Assert.True(addr > 0);
        Assert.Equal(0, _mm.CopyToUser((ulong)addr, new byte[2 * P]));
        foreach (bool noFault in new[] { false, true })
        {
            var iter = IovIter.CreateUbuf(dir, _mm, (ulong)addr, 2 * P);
            iter.NoFault = noFault;
            Assert.Equal(Errno.EFAULT.Negative, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.Partial, 0));
            Assert.Equal(2 * P, iter.Count);
        }
    }

    [Fact]
    public void ZeroPageBufferReadWithNoFaultFailsEveryTimeUntilAWriteFaultIn()
    {
        ulong addr = MapAbsent(_mm, 2 * P);
        Assert.Equal(0, FaultIn.Readable(_mm, addr, 2 * P));
        Assert.True(_mm.GetPte(addr)!.Page!.IsZeroPage);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, addr, 2 * P);
        iter.NoFault = true;
        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(Errno.EFAULT.Negative, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.Partial, 0));
            // A read fault-in leaves the zero page in place: it never helps.
            Assert.Equal(0, FaultInIter.FaultInIovIterReadable(iter, iter.Count));
        }
        Assert.Equal(0, FaultInIter.FaultInIovIterWriteable(iter, iter.Count));
        Assert.Equal(2 * P, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.Partial, 0));
        Assert.Equal(_image.AsSpan(0, 2 * P).ToArray(), ReadUser(_mm, addr, 2 * P));
        Assert.All(Page.Zero.Span.ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void ZeroPageBufferWriteSucceedsWithNoFaultButNeverWithFastOnly()
    {
        ulong addr = MapAbsent(_mm, 2 * P);
        Assert.Equal(0, FaultIn.Readable(_mm, addr, 2 * P));

        var fast = IovIter.CreateUbuf(IterDirection.Source, _mm, addr, 2 * P);
        fast.NoFault = true;
        fast.GupFastOnly = true;
        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(Errno.EFAULT.Negative, IomapDio.Rw(new Kiocb(0), fast, _host, DioFlags.Partial, 0));
            Assert.Equal(0, FaultInIter.FaultInIovIterReadable(fast, fast.Count));
        }
        Assert.Equal(_image, _device.ToArray());

        var slow = IovIter.CreateUbuf(IterDirection.Source, _mm, addr, 2 * P);
        slow.NoFault = true;
        Assert.Equal(2 * P, IomapDio.Rw(new Kiocb(0), slow, _host, DioFlags.Partial, 0));
        Assert.All(_device.ToArray().AsSpan(0, 2 * P).ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void EveryPageReferenceTakenForTheIoIsReleased()
    {
        ulong addr = MapPopulated(_mm, 4 * P);
        var pages = Enumerable.Range(0, 4).Select(i => _mm.GetPte(addr + (ulong)(i * P))!.Page!).ToArray();
        var before = pages.Select(p => p.RefCount).ToArray();
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, addr, 4 * P);
        Assert.Equal(4 * P, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.None, 0));
        Assert.Equal(before, pages.Select(p => p.RefCount).ToArray());

        // Also when getting pages stops part way.
        ulong half = HalfPresent(4, 2);
        var halfPages = Enumerable.Range(0, 2).Select(i => _mm.GetPte(half + (ulong)(i * P))!.Page!).ToArray();
        var halfBefore = halfPages.Select(p => p.RefCount).ToArray();
        var partial = IovIter.CreateUbuf(IterDirection.Dest, _mm, half, 4 * P);
        partial.NoFault = true;
        Assert.Equal(2 * P, IomapDio.Rw(new Kiocb(0), partial, _host, DioFlags.Partial, 0));
        Assert.Equal(halfBefore, halfPages.Select(p => p.RefCount).ToArray());
    }

    [Fact]
    public void PartialBioIsTrimmedToWholeBlocksAndTheTailGivenBackToTheIterator()
    {
        // From offset 412, two present pages give 3684 + 4096 bytes before the absent third page: the bio
        // keeps one whole 4 KiB block so the next round starts block-aligned.
        ulong addr = MapAbsent(_mm, 3 * P);
        Assert.Equal(0, _mm.CopyToUser(addr, new byte[2 * P]));
        var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, addr + 412, 2 * P);
        iter.NoFault = true;
        Assert.Equal(P, IomapDio.Rw(new Kiocb(0), iter, _host, DioFlags.Partial, 0));
        Assert.Equal(P, iter.Count);
        Assert.Equal(_image.AsSpan(0, P).ToArray(), ReadUser(_mm, addr + 412, P));

        Assert.Equal(0, FaultInIter.FaultInIovIterWriteable(iter, iter.Count));
        Assert.Equal(2 * P, IomapDio.Rw(new Kiocb(P), iter, _host, DioFlags.Partial, P));
        Assert.Equal(_image.AsSpan(0, 2 * P).ToArray(), ReadUser(_mm, addr + 412, 2 * P));
    }
}
