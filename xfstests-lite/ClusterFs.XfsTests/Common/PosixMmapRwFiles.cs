using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Common;

/// <summary>generic/647's calls through libc on files in a scratch directory (a fresh mapping has no PTEs).</summary>
internal sealed class PosixMmapRwFiles(string dir) : IMmapRwFiles
{
    public long Open(string name, bool create, bool direct) =>
        Posix.Open(Path.Combine(dir, name), Posix.O_RDWR | (create ? Posix.O_CREAT : 0) | (direct ? Posix.O_DIRECT : 0));

    public long Close(int fd) => Posix.Close(fd);

    public long Pwrite(int fd, byte[] data, long pos) => Posix.Pwrite(fd, data, pos);

    public long Pread(int fd, byte[] buffer, long pos) => Posix.Pread(fd, buffer, pos);

    public long Ftruncate(int fd, long length) => Posix.Ftruncate(fd, length);

    public long Fsync(int fd) => Posix.Fsync(fd);

    public long MapShared(int fd, long length) => Posix.Mmap(length, Posix.PROT_READ | Posix.PROT_WRITE, fd, 0);

    public long Munmap(ulong addr, long length) => Posix.Munmap((nint)addr, length);

    public long Pread(int fd, ulong addr, int length, long pos) => Posix.Pread(fd, (nint)addr, length, pos);

    public long Pwrite(int fd, ulong addr, int length, long pos) => Posix.Pwrite(fd, (nint)addr, length, pos);

    public long Preadv(int fd, (ulong Addr, int Length)[] segments, long pos) => Posix.Preadv(fd, Iov(segments), pos);

    public long Pwritev(int fd, (ulong Addr, int Length)[] segments, long pos) => Posix.Pwritev(fd, Iov(segments), pos);

    private static Iovec[] Iov((ulong Addr, int Length)[] segments) =>
        Array.ConvertAll(segments, s => new Iovec { Base = (nint)s.Addr, Length = s.Length });
}
