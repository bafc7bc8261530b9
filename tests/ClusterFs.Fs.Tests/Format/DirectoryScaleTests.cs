using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

public class DirectoryScaleTests
{
    [Fact]
    public void A_directory_of_100000_files_supports_create_lookup_readdir_and_delete()
    {
        const int N = 100_000;
        // 1 KiB blocks keep the 100,000 dinodes to ~100 MiB of image.
        var dev = TestFs.Format(160L << 20, TestFs.Small(blockSize: 1024, rgrpBytes: 16L << 20));
        using var vol = TestFs.Mount(dev);
        Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "big", FileTypeBits.S_IFDIR | 0x1ED, 0, 0, out long dir));
        for (int i = 0; i < N; i++)
            Assert.Equal(Errno.OK, vol.Create(dir, $"file-{i:D6}", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out _));

        // A lookup reads the dinode, one hash table block and one leaf: count device reads to prove no scan.
        var counting = new CountingDevice(dev);
        using (var probe = TestFs.Mount(counting))
        {
            counting.Reads = 0;
            Assert.Equal(Errno.OK, probe.Lookup(dir, "file-054321", out long ino));
            Assert.True(counting.Reads <= 8, $"{counting.Reads} block reads for one lookup");
            Assert.Equal(Errno.OK, probe.GetAttr(ino, out var a));
            Assert.True(FileTypeBits.IsReg(a!.Mode));
            Assert.Equal(Errno.ENOENT, probe.Lookup(dir, "file-100000", out _));
        }

        var seen = new HashSet<string>();
        long cookie = 0;
        var batch = new List<DirEntry>();
        do
        {
            batch.Clear();
            Assert.Equal(Errno.OK, vol.ReadDir(dir, cookie, 4096, batch));
            foreach (var e in batch) Assert.True(seen.Add(e.Name), $"{e.Name} returned twice");
            if (batch.Count > 0) cookie = batch[^1].NextCookie;
        } while (batch.Count > 0);
        Assert.Equal(N + 2, seen.Count);

        var report = TestFs.Check(dev);
        Assert.True(report.Clean, report.ToString());
        for (int i = 0; i < N; i++) Assert.Equal(Errno.OK, vol.Unlink(dir, $"file-{i:D6}"));
        Assert.Equal(Errno.OK, vol.Rmdir(vol.RootInode, "big"));
        report = TestFs.Check(dev);
        Assert.True(report.Clean, report.ToString());
    }

    private sealed class CountingDevice(IBlockDevice inner) : IBlockDevice
    {
        public int Reads;
        public int SectorSize => inner.SectorSize;
        public long Size => inner.Size;
        public Errno Read(long offset, Span<byte> buffer) { Reads++; return inner.Read(offset, buffer); }
        public Errno Write(long offset, ReadOnlySpan<byte> data) => inner.Write(offset, data);
        public Errno Flush() => inner.Flush();
        public Errno Discard(long offset, long length) => inner.Discard(offset, length);
        public void Dispose() { }
    }
}
