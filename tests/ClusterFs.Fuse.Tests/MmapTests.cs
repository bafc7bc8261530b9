using System.Runtime.InteropServices;
using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests;

/// <summary>
/// mmap of files on the mount, and I/O whose user buffer is itself a mapping of a file on the
/// mount (the generic/647 shape): the kernel faults the buffer in through FUSE reads while the
/// first request is in flight, so this needs a second worker and must not deadlock.
/// </summary>
public sealed unsafe class MmapTests : IClassFixture<MemoryFsMount>
{
    private const int Len = 64 * 1024;
    private readonly MemoryFsMount _m;

    public MmapTests(MemoryFsMount m) => _m = m;

    [Fact]
    public void Stores_through_a_shared_mapping_reach_the_filesystem_after_msync()
    {
        string p = _m.PathOf("mapped");
        File.WriteAllBytes(p, new byte[Len]);
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR);
        byte* map = Map(fd, Libc.PROT_READ | Libc.PROT_WRITE);
        try
        {
            new Span<byte>(map, Len).Fill(0x3C);
            Assert.Equal(0, Libc.msync(map, Len, Libc.MS_SYNC));
        }
        finally
        {
            Libc.munmap(map, Len);
            Libc.close(fd);
        }
        Assert.All(File.ReadAllBytes(p), b => Assert.Equal(0x3C, b));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pwrite_from_a_mapping_of_another_file_on_the_mount_writes_its_bytes(bool direct)
    {
        byte[] src = new byte[Len];
        new Random(direct ? 5 : 6).NextBytes(src);
        string srcPath = _m.PathOf($"map-src-{direct}"), dstPath = _m.PathOf($"map-dst-{direct}");
        File.WriteAllBytes(srcPath, src);
        int sfd = Libc.OpenOrThrow(srcPath, Libc.O_RDONLY);
        int dfd = Libc.OpenOrThrow(dstPath, Libc.O_RDWR | Libc.O_CREAT | (direct ? Libc.O_DIRECT : 0));
        byte* map = Map(sfd, Libc.PROT_READ);
        try
        {
            Assert.Equal(Len, (int)Libc.pwrite(dfd, map, Len, 0));
        }
        finally
        {
            Libc.munmap(map, Len);
            Libc.close(sfd);
            Libc.close(dfd);
        }
        Assert.Equal(src, File.ReadAllBytes(dstPath));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pread_into_a_shared_mapping_of_another_file_on_the_mount_lands_in_that_file(bool direct)
    {
        byte[] src = new byte[Len];
        new Random(direct ? 7 : 8).NextBytes(src);
        string srcPath = _m.PathOf($"pr-src-{direct}"), dstPath = _m.PathOf($"pr-dst-{direct}");
        File.WriteAllBytes(srcPath, src);
        File.WriteAllBytes(dstPath, new byte[Len]);
        int sfd = Libc.OpenOrThrow(srcPath, Libc.O_RDONLY | (direct ? Libc.O_DIRECT : 0));
        int dfd = Libc.OpenOrThrow(dstPath, Libc.O_RDWR);
        byte* map = Map(dfd, Libc.PROT_READ | Libc.PROT_WRITE);
        try
        {
            Assert.Equal(Len, (int)Libc.pread(sfd, map, Len, 0));
            Assert.Equal(0, Libc.msync(map, Len, Libc.MS_SYNC));
        }
        finally
        {
            Libc.munmap(map, Len);
            Libc.close(sfd);
            Libc.close(dfd);
        }
        Assert.Equal(src, File.ReadAllBytes(dstPath));
    }

    private static byte* Map(int fd, int prot)
    {
        void* p = Libc.mmap(null, Len, prot, Libc.MAP_SHARED, fd, 0);
        if (p == (void*)-1)
            throw new IOException($"mmap failed: errno {Marshal.GetLastPInvokeError()}");
        return (byte*)p;
    }
}
