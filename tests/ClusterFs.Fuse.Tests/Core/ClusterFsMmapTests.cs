using System.Runtime.InteropServices;
using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>
/// The generic/647 (mmap-rw-fault) sequence through the real kernel on a ClusterFs mount: a file is mapped shared,
/// and pread/pwrite move data between the file and its own mapping, buffered and O_DIRECT — the kernel faults the
/// mapping in through FUSE reads while the request for the same inode is in flight, which must neither deadlock nor
/// corrupt data. Each test has its own mount; teardown unmounts and runs fsck -n.
/// </summary>
public sealed unsafe class ClusterFsMmapTests
{
    private const int Page = 4096;
    private const int Len = 16 * Page;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pread_and_pwrite_between_a_file_and_its_own_shared_mapping_move_the_right_bytes(bool direct)
    {
        using var m = new ClusterFsMount();
        string p = m.PathOf("mrw");
        byte[] initial = new byte[Len];
        new Random(direct ? 11 : 12).NextBytes(initial);
        File.WriteAllBytes(p, initial);
        // The I/O descriptor may be O_DIRECT; the mapping comes from a buffered one (FUSE refuses shared mappings
        // of FOPEN_DIRECT_IO files), as generic/647 does.
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR | (direct ? Libc.O_DIRECT : 0));
        int mfd = Libc.OpenOrThrow(p, Libc.O_RDWR);
        byte* map = Map(mfd);
        try
        {
            // pread the second half of the file into the first half of its own mapping.
            Assert.Equal(Len / 2, (int)Libc.pread(fd, map, Len / 2, Len / 2));
            Assert.True(new Span<byte>(map, Len / 2).SequenceEqual(initial.AsSpan(Len / 2)));
            // pwrite the first half of the mapping (now the old second half) over the second half of the file.
            Assert.Equal(Len / 2, (int)Libc.pwrite(fd, map, Len / 2, Len / 2));
            Assert.Equal(0, Libc.msync(map, Len, Libc.MS_SYNC));
        }
        finally
        {
            Libc.munmap(map, Len);
            Libc.close(mfd);
            Libc.close(fd);
        }
        byte[] expected = [.. initial.AsSpan(Len / 2), .. initial.AsSpan(Len / 2)];
        Assert.Equal(expected, File.ReadAllBytes(p));
    }

    [Fact]
    public void Pread_of_a_hole_into_a_mapping_of_the_same_file_reads_zeroes()
    {
        using var m = new ClusterFsMount();
        string p = m.PathOf("hole");
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR | Libc.O_CREAT);
        try
        {
            // A sparse file: one data page at the end, holes before it.
            byte[] tail = new byte[Page];
            Array.Fill(tail, (byte)0x5A);
            fixed (byte* t = tail)
                Assert.Equal(Page, (int)Libc.pwrite(fd, t, Page, Len - Page));
            byte* map = Map(fd);
            try
            {
                new Span<byte>(map, Page).Fill(0xFF); // faults page 0 (a hole) in and dirties it
                Assert.Equal(Page, (int)Libc.pread(fd, map + Page, Page, 2 * Page));
                Assert.True(new Span<byte>(map + Page, Page).IndexOfAnyExcept((byte)0) < 0);
                Assert.Equal(Page, (int)Libc.pread(fd, map + 2 * Page, Page, Len - Page));
                Assert.True(new Span<byte>(map + 2 * Page, Page).SequenceEqual(tail));
                Assert.Equal(0, Libc.msync(map, Len, Libc.MS_SYNC));
            }
            finally
            {
                Libc.munmap(map, Len);
            }
        }
        finally
        {
            Libc.close(fd);
        }
        byte[] all = File.ReadAllBytes(p);
        Assert.True(all.AsSpan(0, Page).IndexOfAnyExcept((byte)0xFF) < 0);
        Assert.True(all.AsSpan(2 * Page, Page).SequenceEqual(all.AsSpan(Len - Page)));
    }

    private static byte* Map(int fd)
    {
        void* p = Libc.mmap(null, Len, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        if (p == (void*)-1)
            throw new IOException($"mmap failed: errno {Marshal.GetLastPInvokeError()}");
        return (byte*)p;
    }
}
