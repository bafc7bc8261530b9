using ClusterFs.Fs.Api;
using ClusterFs.Fs.Files;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov.Mm;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>
/// The shape of xfstests generic/208 through the process API: O_DIRECT writes from a buffer that was only
/// read-faulted (zero-page PTEs) racing with buffered writes from the same buffer. With NoFault GUP the direct path
/// breaks COW through fault-in and goes direct; with the unfixed FastOnly GUP it never gets the pages, stops at the
/// retry cap and completes through the buffered fallback. Either way every call completes (bounded) with the data.
/// </summary>
[Collection(IoCollection.Name)]
public sealed class ZeroPageDirectWriteTests : IDisposable
{
    private const int Len = 256 * 1024, Iterations = 20;
    private readonly MemoryBlockDevice _dev = NewDevice();
    private readonly FsNode _node;

    public ZeroPageDirectWriteTests() => _node = Mount(_dev);

    public void Dispose()
    {
        IoDebugSwitches.GupFastOnly = false;
        Ok(_node.Unmount());
        AssertFsckClean(_dev);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DirectWritesFromZeroPageBufferRacingBufferedWritesAllComplete(bool gupFastOnly)
    {
        using var direct = new FsProcess(_node);
        using var buffered = new FsProcess(_node);
        int dfd = (int)direct.Open("/208", OpenFlags.Create | OpenFlags.ReadWrite | OpenFlags.Direct);
        int bfd = (int)buffered.Open("/208", OpenFlags.ReadWrite);
        Assert.True(dfd >= 0 && bfd >= 0);
        Assert.Equal(2 * Len, buffered.Pwrite(bfd, Pattern(2 * Len, 208), 0)); // the direct range is inside EOF
        ulong zbuf = (ulong)direct.Mm.Mmap(0, Len, Prot.Read | Prot.Write, MapFlags.Private);
        ulong bbuf = (ulong)buffered.Mm.Mmap(0, Len, Prot.Read | Prot.Write, MapFlags.Private);
        IoDebugSwitches.GupFastOnly = gupFastOnly;
        var writer = Task.Factory.StartNew(() =>
        {
            var r = new long[Iterations];
            for (int i = 0; i < Iterations; i++)
            {
                Ok(direct.Mm.Madvise(zbuf, Len, Advice.DontNeed));
                Assert.Equal(0, direct.Mm.CopyFromUser(zbuf, new byte[Len])); // read faults: zero-page PTEs only
                r[i] = direct.Pwrite(dfd, zbuf, Len, 0);
            }
            return r;
        }, TaskCreationOptions.LongRunning);
        var racer = Task.Factory.StartNew(() =>
        {
            var r = new long[Iterations];
            for (int i = 0; i < Iterations; i++) r[i] = buffered.Pwrite(bfd, bbuf, Len, Len); // zero-page source too
            return r;
        }, TaskCreationOptions.LongRunning);
        Assert.True(WaitAll(TimeSpan.FromSeconds(60), writer, racer), "a direct write from zero pages never finished");
        IoDebugSwitches.GupFastOnly = false;
        Assert.All(Done(writer), r => Assert.Equal(Len, r));
        Assert.All(Done(racer), r => Assert.Equal(Len, r));
        var back = new byte[2 * Len];
        Assert.Equal(2 * Len, buffered.Pread(bfd, back, 0));
        Assert.True(back.AsSpan().IndexOfAnyExcept((byte)0) < 0);
    }
}
