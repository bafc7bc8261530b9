using ClusterFs.Fs.Files;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;
using static ClusterFs.Fs.Tests.Iomap.DioTestData;

namespace ClusterFs.Fs.Tests.Files;

/// <summary>should_fault_in_pages.</summary>
public sealed class FaultInWindowTests : IDisposable
{
    private readonly AddressSpace _mm = new();

    public void Dispose() => _mm.Dispose();

    [Fact]
    public void WindowIsAtMostOneMegabyteAlignedToTheFilePositionAndOnePageWithoutProgress()
    {
        var task = TaskContext.Current;
        int pause = task.NrDirtiedPause, dirtied = task.NrDirtied;
        try
        {
            task.NrDirtiedPause = 1 << 20;
            task.NrDirtied = 0;
            var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, MapAbsent(_mm, 512 * P) + 123, 400 * P);
            var iocb = new Kiocb(10 * P + 100);
            long prev = 0;
            Assert.True(FaultInWindow.ShouldFaultInPages(iter, iocb, task, ref prev, out long window));
            Assert.Equal((1 << 20) - 100, window);
            Assert.Equal(400 * P, prev);
            // No progress since: one page, still ending at the file position's page boundary.
            Assert.True(FaultInWindow.ShouldFaultInPages(iter, iocb, task, ref prev, out window));
            Assert.Equal(P - 100, window);
            iter.Advance(P);
            Assert.True(FaultInWindow.ShouldFaultInPages(iter, iocb, task, ref prev, out window));
            Assert.Equal((1 << 20) - 100, window);

            // The task's dirty allowance bounds it, but never below 8 pages.
            task.NrDirtiedPause = 20;
            task.NrDirtied = 15;
            prev = 0;
            Assert.True(FaultInWindow.ShouldFaultInPages(iter, new Kiocb(0), task, ref prev, out window));
            Assert.Equal(8 * P, window);
        }
        finally
        {
            task.NrDirtiedPause = pause;
            task.NrDirtied = dirtied;
        }
    }

    [Fact]
    public void NothingLeftOrNotUserMemoryMeansNoFaultIn()
    {
        long prev = 0;
        var task = TaskContext.Current;
        Assert.False(FaultInWindow.ShouldFaultInPages(IovIter.CreateKvec(IterDirection.Dest, new byte[P]), new Kiocb(0), task, ref prev, out _));
        Assert.False(FaultInWindow.ShouldFaultInPages(IovIter.CreateUbuf(IterDirection.Dest, _mm, MapAbsent(_mm, P), 0), new Kiocb(0), task, ref prev, out _));
        Assert.Equal(0, prev);
    }
}
