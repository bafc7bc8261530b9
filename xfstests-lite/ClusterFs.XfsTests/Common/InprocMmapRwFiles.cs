using ClusterFs.Fs.Api;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.XfsTests.Common;

/// <summary>generic/647's calls on an in-process <see cref="FsProcess"/> (files at the root of its filesystem).</summary>
internal sealed class InprocMmapRwFiles(FsProcess p) : IMmapRwFiles
{
    public long Open(string name, bool create, bool direct) =>
        p.Open("/" + name, OpenFlags.ReadWrite | (create ? OpenFlags.Create : 0) | (direct ? OpenFlags.Direct : 0));

    public long Close(int fd) => p.Close(fd).Negative;

    public long Pwrite(int fd, byte[] data, long pos) => p.Pwrite(fd, data, pos);

    public long Pread(int fd, byte[] buffer, long pos) => p.Pread(fd, buffer, pos);

    public long Ftruncate(int fd, long length) => p.Ftruncate(fd, length).Negative;

    public long Fsync(int fd) => p.Fsync(fd).Negative;

    public long MapShared(int fd, long length)
    {
        long map = p.Mmap(fd, 0, length, Prot.Read | Prot.Write, MapFlags.Shared, 0);
        if (map < 0) return map;
        // Drop every PTE so the copies fault on pages of the file under I/O.
        var e = p.Mm.Madvise((ulong)map, length, Advice.DontNeed);
        return e.IsOk ? map : e.Negative;
    }

    public long Munmap(ulong addr, long length) => p.Munmap(addr, length).Negative;

    public long Pread(int fd, ulong addr, int length, long pos) => p.Pread(fd, addr, length, pos);

    public long Pwrite(int fd, ulong addr, int length, long pos) => p.Pwrite(fd, addr, length, pos);

    public long Preadv(int fd, (ulong Addr, int Length)[] segments, long pos) => p.Preadv(fd, Iov(segments), pos);

    public long Pwritev(int fd, (ulong Addr, int Length)[] segments, long pos) => p.Pwritev(fd, Iov(segments), pos);

    private static Iovec[] Iov((ulong Addr, int Length)[] segments) =>
        Array.ConvertAll(segments, s => new Iovec(s.Addr, s.Length));
}
