using ClusterFs.Fs.Files;
using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Vfs;
using ClusterFs.Fs.Vfs.Aio;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;
using static ClusterFs.Fs.Tests.Iomap.DioTestData;

namespace ClusterFs.Fs.Tests.Files;

/// <summary>The generic/208 shape at the direct-I/O boundary: aio O_DIRECT writes from a buffer that was only
/// read-faulted (zero-page PTEs) while another thread writes "buffered" from the same buffer under the inode
/// glock EX, for a fixed number of iterations. With NoFault GUP every write goes direct; with FastOnly GUP the
/// direct rounds never progress and each write reaches the device only through the buffered fallback after
/// the capped number of rounds — bounded, never an endless spin.</summary>
public sealed class ZeroPageAioRaceTests : IDisposable
{
    private const int Iterations = 12;
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);
    private readonly DirectIoFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AioDirectWritesFromAZeroPageBufferRacingBufferedWritesAlwaysComplete(bool fastOnly)
    {
        const int len = DirectIoFixture.FileSize / 2;
        ulong buffer = MapAbsent(_f.Mm, len);
        Assert.Equal(0, FaultIn.Readable(_f.Mm, buffer, len));
        using var ctx = new AioContext(4);
        var traces = new List<DirectIoTrace>();
        var unfixed = fastOnly ? DirectIoUnfixedModes.GupFastOnly : DirectIoUnfixedModes.None;

        using var stop = new CancellationTokenSource();
        int bufferedRounds = 0;
        Exception? racerFailure = null;
        var racer = new Thread(() =>
        {
            try
            {
                var scratch = new byte[64 << 10];
                do
                {
                    var gh = new GlockHolder(_f.Glock, LockState.Exclusive);
                    Assert.True(gh.Nq().IsOk);
                    using (Faults.Disable())
                        _f.Mm.CopyFromUser(buffer, scratch);
                    Assert.Equal(Errno.OK, _f.Device.Write(len, scratch));
                    gh.Dq();
                    Interlocked.Increment(ref bufferedRounds);
                }
                while (!stop.IsCancellationRequested);
            }
            catch (Exception e)
            {
                racerFailure = e;
            }
        });
        racer.Start();
        try
        {
            for (int i = 0; i < Iterations; i++)
            {
                var trace = new DirectIoTrace();
                traces.Add(trace);
                var iter = IovIter.CreateUbuf(IterDirection.Source, _f.Mm, buffer, len);
                Assert.Equal(Errno.OK, ctx.Submit(new AioRequest((ulong)i, 0, KiocbFlags.Direct,
                    iocb => Gfs2DirectIo.WriteIter(iocb, iter, _f.Host, _f.Glock, _f.BufferedWrite, TaskContext.Current, unfixed, trace))));
                var ev = new AioEvent[1];
                Assert.True(ctx.GetEvents(1, ev, s_wait) == 1, $"iteration {i}: the aio write never completed");
                Assert.Equal(len, ev[0].Result);
            }
        }
        finally
        {
            stop.Cancel();
            Assert.True(racer.Join(s_wait), "the buffered racer did not stop");
        }
        Assert.Null(racerFailure);
        Assert.True(bufferedRounds > 0);
        Assert.All(_f.Device.ToArray().AsSpan(0, len).ToArray(), b => Assert.Equal(0, b));
        if (fastOnly)
        {
            Assert.All(traces, t => Assert.Equal((3, 3, 0L, true), (t.Rounds, t.RoundsWithoutProgress, t.DirectBytes, t.RetryCapHit)));
            Assert.Equal(Iterations, _f.BufferedCalls);
        }
        else
        {
            // One direct round each (queued: its bytes arrive through the aio event checked above).
            Assert.All(traces, t => Assert.Equal((1, 0, false), (t.Rounds, t.RoundsWithoutProgress, t.RetryCapHit)));
            Assert.Equal(0, _f.BufferedCalls);
        }
    }
}
