using ClusterFs.Fuse.Tests.Native;
using ClusterFs.Iov;

namespace ClusterFs.Fuse.Tests;

/// <summary>Errors and exceptions in the filesystem reach the caller as errnos, and the mount survives.</summary>
public sealed unsafe class ErrorTests : IClassFixture<MemoryFsMount>
{
    private readonly MemoryFsMount _m;

    public ErrorTests(MemoryFsMount m) => _m = m;

    [Fact]
    public void EACCES_returned_by_lookup_arrives_at_open()
    {
        _m.Fs.InjectFault("denied", Errno.EACCES);
        Assert.Equal(-1, Libc.open(_m.PathOf("denied"), Libc.O_RDONLY, 0));
        Assert.Equal(Libc.EACCES, Libc.Errno);
    }

    [Fact]
    public void ENOSPC_returned_by_write_arrives_at_pwrite()
    {
        string p = _m.PathOf("full");
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR | Libc.O_CREAT);
        try
        {
            _m.Fs.InjectFault("full", Errno.ENOSPC);
            byte* b = stackalloc byte[16];
            Assert.Equal(-1, (int)Libc.pwrite(fd, b, 16, 0));
            Assert.Equal(Libc.ENOSPC, Libc.Errno);
        }
        finally
        {
            Libc.close(fd);
        }
    }

    [Fact]
    public void An_exception_in_the_filesystem_becomes_EIO_and_the_mount_keeps_working()
    {
        _m.Fs.InjectThrow("boom");
        Assert.Equal(-1, Libc.stat(_m.PathOf("boom"), out _));
        Assert.Equal(Libc.EIO, Libc.Errno);
        string after = _m.PathOf("after-boom");
        File.WriteAllText(after, "still alive");
        Assert.Equal("still alive", File.ReadAllText(after));
    }
}
