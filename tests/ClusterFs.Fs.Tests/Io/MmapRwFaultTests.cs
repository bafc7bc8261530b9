using ClusterFs.Fs.Api;
using ClusterFs.Fs.Files;
using ClusterFs.Fs.Inodes;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>
/// Port of xfstests generic/647 (mmap-rw-fault): read into and write from a shared mapping of the SAME file, with
/// the mapping's pages absent so every copy faults, including a read from a hole; UBUF and IOVEC buffers; data
/// verified byte for byte. And the same-file recursion with the unfixed switch.
/// </summary>
[Collection(IoCollection.Name)]
public sealed class MmapRwFaultTests : IDisposable
{
    private const int Ps = Page.Size;
    private const int FileSize = 16 * Ps; // [0, 8 pages) data, [8, 16 pages) a hole
    private readonly MemoryBlockDevice _dev = NewDevice();
    private readonly FsNode _node;
    private readonly FsProcess _p;
    private readonly byte[] _data = Pattern(8 * Ps, 647);

    public MmapRwFaultTests()
    {
        IoDebugSwitches.FaultsUnderGlock = false;
        _node = Mount(_dev);
        _p = new FsProcess(_node);
    }

    public void Dispose()
    {
        IoDebugSwitches.FaultsUnderGlock = false;
        _p.Dispose();
        Ok(_node.Unmount());
        AssertFsckClean(_dev);
    }

    private (int Fd, ulong Map) Setup()
    {
        long fd = _p.Open("/647", OpenFlags.Create | OpenFlags.ReadWrite);
        Assert.True(fd >= 0);
        Assert.Equal(_data.Length, _p.Pwrite((int)fd, _data, 0));
        Ok(_p.Ftruncate((int)fd, FileSize));
        long map = _p.Mmap((int)fd, 0, FileSize, Prot.Read | Prot.Write, MapFlags.Shared, 0);
        Assert.True(map > 0);
        return ((int)fd, (ulong)map);
    }

    private void DropPtes(ulong map) => Ok(_p.Mm.Madvise(map, FileSize, Advice.DontNeed));

    private byte[] FileBytes(int fd, long pos, int length)
    {
        var b = new byte[length];
        Assert.Equal(length, _p.Pread(fd, b, pos));
        return b;
    }

    private static long Bounded(Func<long> op)
    {
        var t = Task.Run(op);
        Assert.True(t.Wait(TimeSpan.FromSeconds(20)), "the call hung");
        return t.Result;
    }

    private long Iovec2(ulong addr, int length, Func<Iovec[], long> op)
    {
        int half = length / 2 + 123;
        return op([new Iovec(addr, half), new Iovec(addr + (ulong)half, length - half)]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadIntoMappingOfSameFileCopiesTheDataByteForByte(bool iovec)
    {
        var (fd, map) = Setup();
        DropPtes(map);
        // Read file pages [0, 4) into the mapping of pages [8, 12) (a hole: the fault allocates it).
        ulong dst = map + 8 * Ps;
        long n = Bounded(() => iovec
            ? Iovec2(dst, 4 * Ps, v => _p.Preadv(fd, v, 0))
            : _p.Pread(fd, dst, 4 * Ps, 0));
        Assert.Equal(4 * Ps, n);
        Assert.Equal(_data[..(4 * Ps)], FileBytes(fd, 8 * Ps, 4 * Ps));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteFromMappingOfSameFileCopiesTheDataByteForByte(bool iovec)
    {
        var (fd, map) = Setup();
        DropPtes(map);
        // Write the mapping of pages [2, 6) to file pages [12, 16) (in the hole).
        long n = Bounded(() => iovec
            ? Iovec2(map + 2 * Ps, 4 * Ps, v => _p.Pwritev(fd, v, 12 * Ps))
            : _p.Pwrite(fd, map + 2 * Ps, 4 * Ps, 12 * Ps));
        Assert.Equal(4 * Ps, n);
        Assert.Equal(_data[(2 * Ps)..(6 * Ps)], FileBytes(fd, 12 * Ps, 4 * Ps));
        Ok(_p.Fsync(fd));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadFromHoleIntoMappingOfSameFileZeroesTheMappedData(bool iovec)
    {
        var (fd, map) = Setup();
        DropPtes(map);
        // Read hole pages [10, 13) into the mapping of data pages [1, 4), unaligned by 100 bytes.
        ulong dst = map + Ps + 100;
        long n = Bounded(() => iovec
            ? Iovec2(dst, 3 * Ps, v => _p.Preadv(fd, v, 10 * Ps))
            : _p.Pread(fd, dst, 3 * Ps, 10 * Ps));
        Assert.Equal(3 * Ps, n);
        var expect = (byte[])_data.Clone();
        Array.Clear(expect, Ps + 100, 3 * Ps);
        Assert.Equal(expect, FileBytes(fd, 0, 8 * Ps));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DirectWriteFromMappingOfSameFileCopiesTheDataByteForByte(bool iovec)
    {
        var (_, map) = Setup();
        int dfd = (int)_p.Open("/647", OpenFlags.ReadWrite | OpenFlags.Direct);
        Assert.True(dfd >= 0);
        DropPtes(map);
        long n = Bounded(() => iovec
            ? Iovec2(map + 2 * Ps, 4 * Ps, v => _p.Pwritev(dfd, v, 12 * Ps))
            : _p.Pwrite(dfd, map + 2 * Ps, 4 * Ps, 12 * Ps));
        Assert.Equal(4 * Ps, n);
        Assert.Equal(_data[(2 * Ps)..(6 * Ps)], FileBytes(dfd, 12 * Ps, 4 * Ps));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DirectReadIntoMappingOfSameFileCopiesTheDataByteForByte(bool iovec)
    {
        var (fd, map) = Setup();
        int dfd = (int)_p.Open("/647", OpenFlags.ReadWrite | OpenFlags.Direct);
        Assert.True(dfd >= 0);
        Ok(_p.Fsync(fd));
        DropPtes(map);
        ulong dst = map + 8 * Ps;
        long n = Bounded(() => iovec
            ? Iovec2(dst, 4 * Ps, v => _p.Preadv(dfd, v, 0))
            : _p.Pread(dfd, dst, 4 * Ps, 0));
        Assert.Equal(4 * Ps, n);
        Assert.Equal(_data[..(4 * Ps)], FileBytes(fd, 8 * Ps, 4 * Ps));
    }

    [Fact]
    public void OverlappingWriteFromMappingOfSameRangeKeepsTheData()
    {
        var (fd, map) = Setup();
        DropPtes(map);
        Assert.Equal(4 * Ps, Bounded(() => _p.Pwrite(fd, map, 4 * Ps, 0))); // source and target are the same pages
        Assert.Equal(_data, FileBytes(fd, 0, 8 * Ps));
    }

    [Fact]
    public void UnfixedReadIntoMappingOfSameFileReportsGlockRecursionAndFixedSucceeds()
    {
        var (fd, map) = Setup();
        DropPtes(map);
        long before = GlockErrorReports.Total;
        IoDebugSwitches.FaultsUnderGlock = true;
        long r = Bounded(() => _p.Pread(fd, map + 8 * Ps, 2 * Ps, 0));
        Assert.Equal(Errno.EDEADLK.Negative, r);
        Assert.True(GlockErrorReports.Total > before);
        IoDebugSwitches.FaultsUnderGlock = false;
        DropPtes(map);
        Assert.Equal(2 * Ps, Bounded(() => _p.Pread(fd, map + 8 * Ps, 2 * Ps, 0)));
        Assert.Equal(_data[..(2 * Ps)], FileBytes(fd, 8 * Ps, 2 * Ps));
    }

    [Fact]
    public void UnfixedWriteFromMappingOfSameFileReportsGlockRecursionAndFixedSucceeds()
    {
        var (fd, map) = Setup();
        DropPtes(map);
        IoDebugSwitches.FaultsUnderGlock = true;
        Assert.Equal(Errno.EDEADLK.Negative, Bounded(() => _p.Pwrite(fd, map, 2 * Ps, 12 * Ps)));
        IoDebugSwitches.FaultsUnderGlock = false;
        DropPtes(map);
        Assert.Equal(2 * Ps, Bounded(() => _p.Pwrite(fd, map, 2 * Ps, 12 * Ps)));
        Assert.Equal(_data[..(2 * Ps)], FileBytes(fd, 12 * Ps, 2 * Ps));
    }
}
