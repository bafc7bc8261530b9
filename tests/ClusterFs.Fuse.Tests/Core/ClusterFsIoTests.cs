using System.Runtime.InteropServices;
using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>
/// Data paths of a real ClusterFs mount: O_DIRECT aligned I/O, sparse files with SEEK_DATA/SEEK_HOLE, fallocate and
/// punch hole, copy_file_range, and unmount/remount keeping data. Each test has its own mount; teardown unmounts and
/// runs fsck -n.
/// </summary>
public sealed unsafe class ClusterFsIoTests
{
    private const int Page = 4096;

    [Fact]
    public void Opening_an_existing_file_with_O_TRUNC_empties_it_on_the_image_and_for_every_later_stat()
    {
        using var m = new ClusterFsMount();
        string p = m.PathOf("trunc");
        File.WriteAllBytes(p, new byte[0x5c000]);
        Assert.Equal(0x5c000, new FileInfo(p).Length);
        // libfuse negotiates atomic O_TRUNC, so the truncation arrives inside the open request, not as a setattr.
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR | Libc.O_TRUNC);
        Libc.close(fd);
        Assert.Equal(0, new FileInfo(p).Length);
        m.Remount();
        Assert.Equal(0, new FileInfo(p).Length);
    }

    [Fact]
    public void O_DIRECT_aligned_writes_and_reads_return_the_written_bytes_and_reach_the_image()
    {
        using var m = new ClusterFsMount();
        string p = m.PathOf("direct");
        const int Size = 1 << 20;
        byte* buf = (byte*)NativeMemory.AlignedAlloc(Size, Page);
        try
        {
            var data = new Span<byte>(buf, Size);
            new Random(21).NextBytes(data);
            byte[] expected = data.ToArray();
            int fd = Libc.OpenOrThrow(p, Libc.O_RDWR | Libc.O_CREAT | Libc.O_DIRECT);
            try
            {
                Assert.Equal(Size, (int)Libc.pwrite(fd, buf, Size, 0));
                data.Clear();
                Assert.Equal(Size, (int)Libc.pread(fd, buf, Size, 0));
                Assert.True(expected.AsSpan().SequenceEqual(data));
                Assert.Equal(Page, (int)Libc.pread(fd, buf, Page, 5 * Page));
                Assert.True(expected.AsSpan(5 * Page, Page).SequenceEqual(data[..Page]));
            }
            finally
            {
                Libc.close(fd);
            }
            m.Remount();
            Assert.Equal(expected, File.ReadAllBytes(p));
        }
        finally
        {
            NativeMemory.AlignedFree(buf);
        }
    }

    [Fact]
    public void Misaligned_O_DIRECT_reads_and_writes_fail_with_EINVAL_as_on_a_local_filesystem()
    {
        using var m = new ClusterFsMount();
        string p = m.PathOf("misaligned");
        File.WriteAllBytes(p, new byte[2 * Page]);
        byte* buf = (byte*)NativeMemory.AlignedAlloc(Page, Page);
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR | Libc.O_DIRECT);
        try
        {
            Assert.Equal(-1, (int)Libc.pwrite(fd, buf, 100, 10));
            Assert.Equal(22, Libc.Errno);
            Assert.Equal(-1, (int)Libc.pread(fd, buf, 7, 3));
            Assert.Equal(22, Libc.Errno);
        }
        finally
        {
            Libc.close(fd);
            NativeMemory.AlignedFree(buf);
        }
        Assert.Equal(new byte[2 * Page], File.ReadAllBytes(p));
    }

    [Fact]
    public void SEEK_DATA_and_SEEK_HOLE_find_the_data_and_holes_of_a_sparse_file()
    {
        using var m = new ClusterFsMount();
        string p = m.PathOf("sparse");
        const long Mb = 1 << 20;
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR | Libc.O_CREAT);
        try
        {
            byte[] block = new byte[Page];
            Array.Fill(block, (byte)7);
            fixed (byte* b = block)
            {
                Assert.Equal(Page, (int)Libc.pwrite(fd, b, Page, Mb));
                Assert.Equal(Page, (int)Libc.pwrite(fd, b, Page, 3 * Mb));
            }
            // From 64 KiB on: the core preallocates block 0 when a write beyond it unstuffs a new file (page 0 may
            // hold dirty data that needs a block), so the first page counts as (unwritten) data.
            Assert.Equal(Mb, Libc.lseek(fd, 64 * 1024, Libc.SEEK_DATA));
            Assert.Equal(Mb + Page, Libc.lseek(fd, Mb, Libc.SEEK_HOLE));
            Assert.Equal(3 * Mb, Libc.lseek(fd, Mb + Page, Libc.SEEK_DATA));
            Assert.Equal(2 * Mb, Libc.lseek(fd, 2 * Mb, Libc.SEEK_HOLE));
            Assert.Equal(-1, Libc.lseek(fd, 3 * Mb + Page, Libc.SEEK_DATA));
            Assert.Equal(Libc.ENXIO, Libc.Errno);
        }
        finally
        {
            Libc.close(fd);
        }
        var st = new FileInfo(p);
        Assert.Equal(3 * Mb + Page, st.Length);
    }

    [Fact]
    public void Fallocate_extends_the_size_and_punch_hole_zeroes_a_range_keeping_the_size()
    {
        using var m = new ClusterFsMount();
        string p = m.PathOf("falloc");
        byte[] data = new byte[8 * Page];
        new Random(22).NextBytes(data);
        File.WriteAllBytes(p, data);
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR);
        try
        {
            Assert.Equal(0, Libc.fallocate(fd, 0, 8 * Page, 8 * Page));
            Assert.Equal(0, Libc.fallocate(fd, Libc.FALLOC_FL_KEEP_SIZE, 16 * Page, 4 * Page));
            Assert.Equal(0, Libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, 2 * Page, 3 * Page));
            // The punched range is a hole now; preallocated space reads as zeroes but counts as data.
            Assert.Equal(2 * Page, Libc.lseek(fd, 0, Libc.SEEK_HOLE));
            Assert.Equal(5 * Page, Libc.lseek(fd, 2 * Page, Libc.SEEK_DATA));
        }
        finally
        {
            Libc.close(fd);
        }
        byte[] now = File.ReadAllBytes(p);
        Assert.Equal(16 * Page, now.Length);
        byte[] expected = new byte[16 * Page];
        data.CopyTo(expected, 0);
        Array.Clear(expected, 2 * Page, 3 * Page);
        Assert.Equal(expected, now);
    }

    [Fact]
    public void Copy_file_range_copies_the_bytes()
    {
        using var m = new ClusterFsMount();
        string a = m.PathOf("cfr-a"), b = m.PathOf("cfr-b");
        byte[] data = new byte[300_000];
        new Random(23).NextBytes(data);
        File.WriteAllBytes(a, data);
        int fin = Libc.OpenOrThrow(a, Libc.O_RDONLY);
        int fout = Libc.OpenOrThrow(b, Libc.O_RDWR | Libc.O_CREAT);
        try
        {
            long offIn = 1000, offOut = 0;
            long total = 0;
            while (total < data.Length - 1000)
            {
                long n = Libc.copy_file_range(fin, &offIn, fout, &offOut, data.Length - 1000 - (int)total, 0);
                Assert.True(n > 0, $"copy_file_range returned {n}, errno {Libc.Errno}");
                total += n;
            }
        }
        finally
        {
            Libc.close(fin);
            Libc.close(fout);
        }
        Assert.Equal(data.AsSpan(1000).ToArray(), File.ReadAllBytes(b));
    }

    [Fact]
    public void Unmount_with_open_files_then_remount_keeps_their_data()
    {
        using var m = new ClusterFsMount();
        string dir = m.PathOf("keep");
        Directory.CreateDirectory(dir);
        var expected = new Dictionary<string, byte[]>();
        var fds = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            string p = Path.Combine(dir, $"f{i}");
            byte[] data = new byte[20_000 * (i + 1)];
            new Random(30 + i).NextBytes(data);
            int fd = Libc.OpenOrThrow(p, Libc.O_RDWR | Libc.O_CREAT);
            fixed (byte* d = data)
                Assert.Equal(data.Length, (int)Libc.pwrite(fd, d, data.Length, 0));
            fds.Add(fd); // left open across the unmount
            expected[p] = data;
        }
        File.Copy(Path.Combine(dir, "f0"), Path.Combine(dir, "copy"));
        expected[Path.Combine(dir, "copy")] = expected[Path.Combine(dir, "f0")];
        try
        {
            m.Remount();
        }
        finally
        {
            foreach (int fd in fds) Libc.close(fd); // EIO/ENOTCONN from the dead connection is fine
        }
        foreach (var (p, data) in expected)
            Assert.Equal(data, File.ReadAllBytes(p));
    }

    [Fact]
    public void An_unlinked_file_stays_readable_while_open_and_is_freed_after_close()
    {
        using var m = new ClusterFsMount();
        string p = m.PathOf("orphan");
        byte[] data = new byte[50_000];
        new Random(40).NextBytes(data);
        File.WriteAllBytes(p, data);
        int fd = Libc.OpenOrThrow(p, Libc.O_RDONLY);
        try
        {
            File.Delete(p);
            Assert.False(File.Exists(p));
            byte[] back = new byte[data.Length];
            fixed (byte* b = back)
                Assert.Equal(data.Length, (int)Libc.pread(fd, b, back.Length, 0));
            Assert.Equal(data, back);
        }
        finally
        {
            Libc.close(fd);
        }
        // Teardown's fsck -n proves the orphan was freed (no unlinked dinode left behind).
    }

    [Fact]
    public void The_control_file_shows_the_glock_dump_and_is_read_only()
    {
        using var m = new ClusterFsMount();
        File.WriteAllText(m.PathOf("g"), "g");
        string dump = File.ReadAllText(m.PathOf(".clusterfs-glocks"));
        Assert.Contains("o:inode", dump);
        Assert.Throws<UnauthorizedAccessException>(() => File.WriteAllText(m.PathOf(".clusterfs-glocks"), "x"));
        Assert.DoesNotContain(".clusterfs-glocks", Directory.GetFileSystemEntries(m.MountPoint).Select(Path.GetFileName));
    }
}
