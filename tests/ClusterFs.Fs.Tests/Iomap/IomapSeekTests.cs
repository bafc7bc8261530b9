using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Fs.Tests.Iomap;

/// <summary>SEEK_DATA / SEEK_HOLE over a fake inode's extents.</summary>
public sealed class IomapSeekTests
{
    private const int P = 4096;

    private static FakeDioHost Layout(long size, params (long Off, long Len, IomapType Type)[] extents)
    {
        var host = new FakeDioHost(new MemoryBlockDevice(1 << 20), size);
        foreach (var (off, len, type) in extents) host.AddExtent(off, len, type, off);
        return host;
    }

    [Fact]
    public void DataAndHolesAreFoundAndUnwrittenCountsAsAHole()
    {
        // [0,2P) data, [2P,4P) hole, [4P,5P) unwritten, [5P,7P) data, [7P,10P) hole; size 10P.
        var host = Layout(10 * P, (0, 2 * P, IomapType.Mapped), (4 * P, P, IomapType.Unwritten), (5 * P, 2 * P, IomapType.Mapped));
        Assert.Equal(0, IomapSeek.SeekData(host, 10 * P, 0));
        Assert.Equal(100, IomapSeek.SeekData(host, 10 * P, 100));
        Assert.Equal(5 * P, IomapSeek.SeekData(host, 10 * P, 2 * P));
        Assert.Equal(5 * P, IomapSeek.SeekData(host, 10 * P, 4 * P + 10));
        Assert.Equal(2 * P, IomapSeek.SeekHole(host, 10 * P, 0));
        Assert.Equal(3 * P, IomapSeek.SeekHole(host, 10 * P, 3 * P));
        Assert.Equal(4 * P + 1, IomapSeek.SeekHole(host, 10 * P, 4 * P + 1));
        Assert.Equal(7 * P, IomapSeek.SeekHole(host, 10 * P, 5 * P));
        Assert.Equal(Errno.ENXIO.Negative, IomapSeek.SeekData(host, 10 * P, 7 * P));
        Assert.All(host.BeginFlags, f => Assert.Equal(IomapIterFlags.Report, f));
    }

    [Fact]
    public void EndOfFileIsAHoleAndNothingIsFoundAtOrPastIt()
    {
        var host = Layout(3 * P + 5, (0, 4 * P, IomapType.Mapped));
        Assert.Equal(3 * P + 5, IomapSeek.SeekHole(host, 3 * P + 5, P));
        foreach (long pos in new long[] { 3 * P + 5, 9 * P, -1 })
        {
            Assert.Equal(Errno.ENXIO.Negative, IomapSeek.SeekData(host, 3 * P + 5, pos));
            Assert.Equal(Errno.ENXIO.Negative, IomapSeek.SeekHole(host, 3 * P + 5, pos));
        }
        Assert.Equal(Errno.ENXIO.Negative, IomapSeek.SeekData(Layout(0), 0, 0));
    }

    [Fact]
    public void BeginErrorIsReturned()
    {
        var host = Layout(4 * P);
        host.BeginHook = (_, _) => Errno.EIO;
        Assert.Equal(Errno.EIO.Negative, IomapSeek.SeekData(host, 4 * P, 0));
        Assert.Equal(Errno.EIO.Negative, IomapSeek.SeekHole(host, 4 * P, 0));
    }

    [Fact]
    public void SeekResultsMatchABlockModel()
    {
        // Random block layouts: each of 16 blocks is hole, unwritten or mapped; compare with a linear scan.
        var gen = Gen.ArrayOf(Gen.Choose(0, 2), 16).Zip(Gen.Choose(1, 16 * P));
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (kinds, size) = t;
            var host = new FakeDioHost(new MemoryBlockDevice(1 << 20), size);
            for (int b = 0; b < kinds.Length; b++)
                if (kinds[b] != 0) host.AddExtent(b * P, P, kinds[b] == 1 ? IomapType.Unwritten : IomapType.Mapped, b * P);
            bool IsData(long off) => kinds[off / P] == 2;
            for (long pos = 0; pos < size; pos += 997)
            {
                long data = pos;
                while (data < size && !IsData(data)) data++;
                long hole = pos;
                while (hole < size && IsData(hole)) hole++;
                Assert.Equal(data < size ? data : Errno.ENXIO.Negative, IomapSeek.SeekData(host, size, pos));
                Assert.Equal(hole, IomapSeek.SeekHole(host, size, pos));
            }
        }).QuickCheckThrowOnFailure();
    }
}
