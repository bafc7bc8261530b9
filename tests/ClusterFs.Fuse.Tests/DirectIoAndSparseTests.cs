using System.Runtime.InteropServices;
using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests;

/// <summary>O_DIRECT, sparse files, fallocate and copy_file_range passed through to the filesystem.</summary>
public sealed unsafe class DirectIoAndSparseTests : IClassFixture<MemoryFsMount>
{
    private const int Page = 4096;
    private readonly MemoryFsMount _m;

    public DirectIoAndSparseTests(MemoryFsMount m) => _m = m;

    [Fact]
    public void O_DIRECT_aligned_writes_and_reads_reach_the_filesystem_as_a_direct_open()
    {
        string p = _m.PathOf("direct");
        const int Size = 256 * 1024;
        byte* buf = (byte*)NativeMemory.AlignedAlloc(Size, Page);
        try
        {
            var data = new Span<byte>(buf, Size);
            new Random(2).NextBytes(data);
            byte[] expected = data.ToArray();
            int directBefore = _m.Fs.DirectOpens;
            int fd = Libc.OpenOrThrow(p, Libc.O_RDWR | Libc.O_CREAT | Libc.O_DIRECT);
            try
            {
                Assert.Equal(Size, (int)Libc.pwrite(fd, buf, Size, 0));
                data.Clear();
                int readsBefore = _m.Fs.Reads;
                Assert.Equal(Size, (int)Libc.pread(fd, buf, Size, 0));
                Assert.True(expected.AsSpan().SequenceEqual(data));
                // A second read of the same range is not served from the page cache.
                int readsMid = _m.Fs.Reads;
                Assert.Equal(Page, (int)Libc.pread(fd, buf, Page, Page));
                Assert.True(readsMid > readsBefore && _m.Fs.Reads > readsMid);
            }
            finally
            {
                Libc.close(fd);
            }
            Assert.Equal(directBefore + 1, _m.Fs.DirectOpens);
            Assert.Equal(expected, File.ReadAllBytes(p));
        }
        finally
        {
            NativeMemory.AlignedFree(buf);
        }
    }

    [Fact]
    public void SEEK_DATA_and_SEEK_HOLE_find_the_data_and_holes_of_a_sparse_file()
    {
        string p = _m.PathOf("sparse");
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR | Libc.O_CREAT);
        try
        {
            byte* one = stackalloc byte[Page];
            new Span<byte>(one, Page).Fill(0xAB);
            Assert.Equal(Page, (int)Libc.pwrite(fd, one, Page, 10 * Page)); // data at [40K, 44K)
            Assert.Equal(Page, (int)Libc.pwrite(fd, one, Page, 20 * Page)); // data at [80K, 84K)
            Assert.Equal(10 * Page, Libc.lseek(fd, 0, Libc.SEEK_DATA));
            Assert.Equal(0, Libc.lseek(fd, 0, Libc.SEEK_HOLE));
            Assert.Equal(11 * Page, Libc.lseek(fd, 10 * Page, Libc.SEEK_HOLE));
            Assert.Equal(20 * Page, Libc.lseek(fd, 11 * Page, Libc.SEEK_DATA));
            Assert.Equal(21 * Page, Libc.lseek(fd, 20 * Page + 5, Libc.SEEK_HOLE)); // EOF is a hole
            Assert.Equal(-1, Libc.lseek(fd, 21 * Page, Libc.SEEK_DATA));
            Assert.Equal(Libc.ENXIO, Libc.Errno);
        }
        finally
        {
            Libc.close(fd);
        }
    }

    [Fact]
    public void Fallocate_extends_the_size_and_punch_hole_zeroes_a_range_and_keeps_the_size()
    {
        string p = _m.PathOf("falloc");
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR | Libc.O_CREAT);
        try
        {
            Assert.Equal(0, Libc.fallocate(fd, 0, 0, 16 * Page));
            Assert.Equal(16 * Page, new FileInfo(p).Length);
            byte* buf = stackalloc byte[4 * Page];
            new Span<byte>(buf, 4 * Page).Fill(0x5A);
            Assert.Equal(4 * Page, (int)Libc.pwrite(fd, buf, 4 * Page, 0));
            Assert.Equal(0, Libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, Page, 2 * Page));
            Assert.Equal(16 * Page, new FileInfo(p).Length);
            Assert.Equal(4 * Page, (int)Libc.pread(fd, buf, 4 * Page, 0));
            var back = new ReadOnlySpan<byte>(buf, 4 * Page);
            Assert.True(back[..Page].IndexOfAnyExcept((byte)0x5A) < 0);
            Assert.True(back[Page..(3 * Page)].IndexOfAnyExcept((byte)0) < 0);
            Assert.True(back[(3 * Page)..].IndexOfAnyExcept((byte)0x5A) < 0);
            // The punched range is a hole now, as SEEK_HOLE reports.
            Assert.Equal(Page, Libc.lseek(fd, 0, Libc.SEEK_HOLE));
        }
        finally
        {
            Libc.close(fd);
        }
    }

    [Fact]
    public void Copy_file_range_is_passed_to_the_filesystem_and_copies_the_bytes()
    {
        string src = _m.PathOf("cfr-src"), dst = _m.PathOf("cfr-dst");
        byte[] data = new byte[3 * Page + 123];
        new Random(3).NextBytes(data);
        File.WriteAllBytes(src, data);
        File.WriteAllBytes(dst, []);
        int fin = Libc.OpenOrThrow(src, Libc.O_RDONLY);
        int fout = Libc.OpenOrThrow(dst, Libc.O_WRONLY);
        try
        {
            long offIn = 0, offOut = 0;
            int before = _m.Fs.CopyFileRanges;
            Assert.Equal(data.Length, (int)Libc.copy_file_range(fin, &offIn, fout, &offOut, data.Length, 0));
            Assert.True(_m.Fs.CopyFileRanges > before);
        }
        finally
        {
            Libc.close(fin);
            Libc.close(fout);
        }
        Assert.Equal(data, File.ReadAllBytes(dst));
    }
}
