using ClusterFs.Fs.Files;
using ClusterFs.Fs.Storage;
using ClusterFs.Fs.Tests.Iomap;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;
using static ClusterFs.Fs.Tests.Iomap.DioTestData;

namespace ClusterFs.Fs.Tests.Files;

/// <summary>gfs2_file_direct_read / _write and the O_DIRECT write_iter branch: the drop-glock, fault-in,
/// retry loop with done_before, the retry caps, the buffered fallback, and the unfixed switches.</summary>
public sealed class Gfs2DirectIoTests : IDisposable
{
    private readonly DirectIoFixture _f = new();

    public void Dispose() => _f.Dispose();

    private AddressSpace Mm => _f.Mm;

    /// <summary>A buffer whose first <paramref name="present"/> pages are resident and the rest appear only
    /// when faulted in (anonymous private, or shared memory like a file mapping).</summary>
    private ulong Buffer(int pages, int present, bool shared, byte[]? content = null)
    {
        long addr = Mm.Mmap(0, pages * P, Prot.Read | Prot.Write, shared ? MapFlags.Shared : MapFlags.Private);
        Assert.True(addr > 0);
        var data = content ?? new byte[pages * P];
        Assert.Equal(0, Mm.CopyToUser((ulong)addr, data.AsSpan(0, present * P)));
        return (ulong)addr;
    }

    private ulong PfnBuffer(int pages, bool pfnMap)
    {
        var frames = Enumerable.Range(0, pages).Select(_ => new Page()).ToArray();
        long addr = Mm.MmapFrames(0, frames, Prot.Read | Prot.Write, MapFlags.Shared, pfnMap);
        Assert.True(addr > 0);
        return (ulong)addr;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PartialDirectReadReturnsTheWholeAfterOneRetryWithDoneBeforeCountedOnce(bool shared)
    {
        ulong addr = Buffer(8, 4, shared);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, Mm, addr, 8 * P);
        var iocb = new Kiocb(4 * P, KiocbFlags.Direct);
        var trace = new DirectIoTrace();
        Assert.Equal(8 * P, Gfs2DirectIo.DirectRead(iocb, iter, _f.Host, _f.Glock, _f.Task, trace: trace));
        Assert.Equal(12 * P, iocb.Position);
        Assert.Equal(0, iter.Count);
        Assert.Equal((2, 1, 0), (trace.Rounds, trace.FaultIns, trace.RoundsWithoutProgress));
        Assert.Equal(_f.Image.AsSpan(4 * P, 8 * P).ToArray(), ReadUser(Mm, addr, 8 * P));
        // The engine saw done_before = the first half exactly once, in the second round.
        Assert.Equal([4L * P, 4L * P], _f.Host.EndIoCalls.Select(c => c.Size));
        Assert.True(_f.GlockIsFree());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PartialDirectWriteReturnsTheWholeAfterOneRetryWithDoneBeforeCountedOnce(bool shared)
    {
        var data = Pattern(0, 8 * P, seed: 21);
        ulong addr = Buffer(8, 4, shared, data);
        var iter = IovIter.CreateUbuf(IterDirection.Source, Mm, addr, 8 * P);
        var iocb = new Kiocb(4 * P, KiocbFlags.Direct);
        var trace = new DirectIoTrace();
        // The untouched second half reads as zeroes once faulted in.
        Assert.Equal(8 * P, Gfs2DirectIo.DirectWrite(iocb, iter, _f.Host, _f.Glock, _f.Task, trace: trace));
        Assert.Equal(12 * P, iocb.Position);
        Assert.Equal((2, 1), (trace.Rounds, trace.FaultIns));
        var expect = data[..(4 * P)].Concat(new byte[4 * P]).ToArray();
        Assert.Equal(expect, _f.Device.ToArray().AsSpan(4 * P, 8 * P).ToArray());
        Assert.True(_f.GlockIsFree());
    }

    [Fact]
    public void PartialDirectReadIntoAnIovecWhoseSecondSegmentIsAbsentCompletesAfterOneRetry()
    {
        ulong a = Buffer(3, 3, shared: false);
        ulong b = Buffer(5, 0, shared: true);
        Iovec[] vec = [new(a + 512, 3 * P - 512), new(b, 5 * P), new(a, 512)];
        var iter = IovIter.CreateIovec(IterDirection.Dest, Mm, vec);
        var iocb = new Kiocb(0, KiocbFlags.Direct);
        var trace = new DirectIoTrace();
        Assert.Equal(8 * P, Gfs2DirectIo.DirectRead(iocb, iter, _f.Host, _f.Glock, _f.Task, trace: trace));
        Assert.Equal((2, 1), (trace.Rounds, trace.FaultIns));
        var expect = _f.Image.AsSpan(0, 8 * P).ToArray();
        Assert.Equal(expect[..(3 * P - 512)], ReadUser(Mm, a + 512, 3 * P - 512));
        Assert.Equal(expect[(3 * P - 512)..(8 * P - 512)], ReadUser(Mm, b, 5 * P));
        Assert.Equal(expect[(8 * P - 512)..], ReadUser(Mm, a, 512));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DirectWriteFromAnIoOrPfnmapBufferCompletesThroughTheBufferedFallbackAfterTheRetryCap(bool pfnMap)
    {
        ulong addr = PfnBuffer(4, pfnMap);
        var data = Pattern(0, 4 * P, seed: 5);
        Assert.Equal(0, Mm.CopyToUser(addr, data));
        var iter = IovIter.CreateUbuf(IterDirection.Source, Mm, addr, 4 * P);
        var iocb = new Kiocb(8 * P, KiocbFlags.Direct);
        var trace = new DirectIoTrace();
        long ret = Gfs2DirectIo.WriteIter(iocb, iter, _f.Host, _f.Glock, _f.BufferedWrite, _f.Task, trace: trace);
        Assert.Equal(4 * P, ret);
        Assert.True(trace.RetryCapHit);
        Assert.Equal(3, trace.Rounds);
        Assert.Equal(3, trace.RoundsWithoutProgress);
        Assert.Equal(4 * P, trace.BufferedBytes);
        Assert.Equal(1, _f.BufferedCalls);
        Assert.Equal(data, _f.Device.ToArray().AsSpan(8 * P, 4 * P).ToArray());
        // The buffered range was written back and dropped from the cache for O_DIRECT semantics.
        Assert.Contains((8L * P, 4L * P), _f.Host.WriteAndWaitCalls);
        Assert.Equal((8L * P, 4L * P), _f.Host.InvalidateCalls[^1]);
        Assert.True(_f.GlockIsFree());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DirectReadIntoAnIoOrPfnmapBufferFailsWithEfaultAfterABoundedNumberOfRounds(bool pfnMap)
    {
        ulong addr = PfnBuffer(4, pfnMap);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, Mm, addr, 4 * P);
        var trace = new DirectIoTrace();
        Assert.Equal(Errno.EFAULT.Negative, Gfs2DirectIo.DirectRead(new Kiocb(0, KiocbFlags.Direct), iter, _f.Host, _f.Glock, _f.Task, trace: trace));
        Assert.Equal(3, trace.Rounds);
        Assert.Equal(2, trace.FaultIns);
        Assert.Equal(4 * P, iter.Count);
        Assert.True(_f.GlockIsFree());
    }

    [Fact]
    public void DirectReadIntoAZeroPageBufferCompletesAfterAWriteFaultIn()
    {
        ulong addr = MapAbsent(Mm, 4 * P);
        Assert.Equal(0, FaultIn.Readable(Mm, addr, 4 * P));
        var iter = IovIter.CreateUbuf(IterDirection.Dest, Mm, addr, 4 * P);
        var trace = new DirectIoTrace();
        Assert.Equal(4 * P, Gfs2DirectIo.DirectRead(new Kiocb(0, KiocbFlags.Direct), iter, _f.Host, _f.Glock, _f.Task, trace: trace));
        Assert.Equal((2, 1), (trace.Rounds, trace.FaultIns));
        Assert.Equal(_f.Image.AsSpan(0, 4 * P).ToArray(), ReadUser(Mm, addr, 4 * P));
        Assert.All(Page.Zero.Span.ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void DirectWriteFromAZeroPageBufferCompletesWithNoFaultButFastOnlyNeverProgressesAndStopsAtTheCap()
    {
        ulong addr = MapAbsent(Mm, 4 * P);
        Assert.Equal(0, FaultIn.Readable(Mm, addr, 4 * P));

        var fastTrace = new DirectIoTrace();
        var fast = IovIter.CreateUbuf(IterDirection.Source, Mm, addr, 4 * P);
        Assert.Equal(0, Gfs2DirectIo.DirectWrite(new Kiocb(0, KiocbFlags.Direct), fast, _f.Host, _f.Glock, _f.Task,
            DirectIoUnfixedModes.GupFastOnly, fastTrace));
        Assert.Equal((3, 3, 0L), (fastTrace.Rounds, fastTrace.RoundsWithoutProgress, fastTrace.DirectBytes));
        Assert.True(fastTrace.RetryCapHit);
        Assert.Equal(4 * P, fast.Count);
        Assert.Equal(_f.Image, _f.Device.ToArray());

        var trace = new DirectIoTrace();
        var slow = IovIter.CreateUbuf(IterDirection.Source, Mm, addr, 4 * P);
        Assert.Equal(4 * P, Gfs2DirectIo.DirectWrite(new Kiocb(0, KiocbFlags.Direct), slow, _f.Host, _f.Glock, _f.Task, trace: trace));
        Assert.Equal((1, 0), (trace.Rounds, trace.FaultIns));
        Assert.All(_f.Device.ToArray().AsSpan(0, 4 * P).ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void DirectWriteExtendingTheFileGoesBufferedWithoutDirectIo()
    {
        var data = Pattern(0, 2 * P, seed: 2);
        ulong addr = MapPopulated(Mm, 2 * P, data);
        _f.Host.Size = 10 * P;
        var trace = new DirectIoTrace();
        var iocb = new Kiocb(9 * P, KiocbFlags.Direct);
        var iter = IovIter.CreateUbuf(IterDirection.Source, Mm, addr, 2 * P);
        Assert.Equal(2 * P, Gfs2DirectIo.WriteIter(iocb, iter, _f.Host, _f.Glock, _f.BufferedWrite, _f.Task, trace: trace));
        Assert.True(trace.BeyondEof);
        Assert.Equal(0, trace.Rounds);
        Assert.Equal(11 * P, iocb.Position);
        Assert.True((iocb.Flags & KiocbFlags.Dsync) != 0);
        Assert.Equal(data, _f.Device.ToArray().AsSpan(9 * P, 2 * P).ToArray());
    }

    [Fact]
    public void DirectWriteWhoseInvalidationFailsGoesBuffered()
    {
        var data = Pattern(0, 2 * P, seed: 3);
        var iter = IovIter.CreateUbuf(IterDirection.Source, Mm, MapPopulated(Mm, 2 * P, data), 2 * P);
        _f.Host.InvalidateResult = Errno.EBUSY;
        Assert.Equal(2 * P, Gfs2DirectIo.WriteIter(new Kiocb(0, KiocbFlags.Direct), iter, _f.Host, _f.Glock, _f.BufferedWrite, _f.Task));
        Assert.Equal(1, _f.BufferedCalls);
        Assert.Equal(data, _f.Device.ToArray().AsSpan(0, 2 * P).ToArray());
    }

    [Fact]
    public void DirectReadErrorAfterPartialProgressDiscardsTheProgress()
    {
        var faulty = new FaultInjectingDevice(new MemoryBlockDevice((byte[])_f.Image.Clone()), seed: 1);
        faulty.AddBadRange(6 * P, P, failReads: true, failWrites: false);
        var host = new FakeDioHost(faulty, DirectIoFixture.FileSize);
        host.MapIdentity(DirectIoFixture.FileSize);
        ulong addr = Buffer(8, 4, shared: false);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, Mm, addr, 8 * P);
        var iocb = new Kiocb(0, KiocbFlags.Direct);
        long ret = Gfs2DirectIo.DirectRead(iocb, iter, host, _f.Glock, _f.Task);
        Assert.True(ret < 0, $"expected an error, got {ret}");
        Assert.Equal(4 * P, iocb.Position);
        Assert.True(_f.GlockIsFree());
    }

    [Fact]
    public void DirectReadRunsWithFaultsDisabledAndNoFaultAndDirectWriteWithNoFaultOnly()
    {
        var seen = new List<bool>();
        _f.Host.BeginHook = (_, _) => { seen.Add(Faults.AreDisabled); return Errno.OK; };
        var to = IovIter.CreateUbuf(IterDirection.Dest, Mm, MapPopulated(Mm, P), P);
        Assert.Equal(P, Gfs2DirectIo.DirectRead(new Kiocb(0), to, _f.Host, _f.Glock, _f.Task));
        var from = IovIter.CreateUbuf(IterDirection.Source, Mm, MapPopulated(Mm, P), P);
        Assert.Equal(P, Gfs2DirectIo.DirectWrite(new Kiocb(0), from, _f.Host, _f.Glock, _f.Task));
        Assert.Equal([true, false], seen);
        Assert.False(to.NoFault);
        Assert.False(from.NoFault);
        Assert.False(Faults.AreDisabled);
    }

    [Fact]
    public void UnfixedModeFaultsAbsentPagesInUnderTheGlockInOneRound()
    {
        ulong addr = MapAbsent(Mm, 4 * P);
        var iter = IovIter.CreateUbuf(IterDirection.Dest, Mm, addr, 4 * P);
        var trace = new DirectIoTrace();
        Assert.Equal(4 * P, Gfs2DirectIo.DirectRead(new Kiocb(0), iter, _f.Host, _f.Glock, _f.Task,
            DirectIoUnfixedModes.FaultsUnderGlock, trace));
        Assert.Equal((1, 0), (trace.Rounds, trace.FaultIns));
        Assert.True(_f.GlockIsFree());
    }

    [Fact]
    public void EmptyReadIsZeroWithoutTakingTheGlock()
    {
        var trace = new DirectIoTrace();
        var iter = IovIter.CreateUbuf(IterDirection.Dest, Mm, MapPopulated(Mm, P), 0);
        Assert.Equal(0, Gfs2DirectIo.DirectRead(new Kiocb(0), iter, _f.Host, _f.Glock, _f.Task, trace: trace));
        Assert.Equal(0, trace.Rounds);
    }
}
