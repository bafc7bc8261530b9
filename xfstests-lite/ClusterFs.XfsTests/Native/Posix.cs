using System.Runtime.InteropServices;

namespace ClusterFs.XfsTests.Native;

/// <summary>
/// Thin wrappers over <see cref="Libc"/> that return "count or -errno" longs (the kernel's ssize_t
/// convention used across ClusterFs) instead of -1 and errno, plus the Linux constants the tests use.
/// </summary>
internal static unsafe class Posix
{
    // The open flag values differ between x86_64 and arm64 (asm-generic vs arch headers).
    private static readonly bool s_arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200,
        O_APPEND = 0x400, O_NONBLOCK = 0x800;
    public static int O_DIRECT => s_arm ? 0x10000 : 0x4000;
    public static int O_DIRECTORY => s_arm ? 0x4000 : 0x10000;

    public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MS_SYNC = 4, MS_INVALIDATE = 2;
    public const int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2, FALLOC_FL_ZERO_RANGE = 0x10;
    public const int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
    public const int AT_FDCWD = -100;
    public const uint STATX_BASIC_STATS = 0x7ff, STATX_DIOALIGN = 0x2000;
    public const uint S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFMT = 0xF000;

    /// <summary>
    /// Fault injection for the harness's unit tests only (null otherwise). Async-local so it follows
    /// the test's threads and never touches tests running in parallel.
    /// </summary>
    internal static readonly AsyncLocal<IPosixFaults?> Faults = new();

    private static long Read(Span<byte> data, long r) =>
        r > 0 && Faults.Value is { } f ? f.AfterRead(data[..(int)Math.Min(r, data.Length)], r) : r;

    /// <summary>The errno of the last failed call as a negative long.</summary>
    private static long Fail() => -Marshal.GetLastPInvokeError();

    private static long Check(long r) => r < 0 ? Fail() : r;

    /// <summary>open(2): a descriptor, or -errno.</summary>
    public static int Open(string path, int flags, int mode = 0x1a4) => (int)Check(Libc.Open(path, flags, mode));

    /// <summary>close(2): 0 or -errno.</summary>
    public static long Close(int fd) => Check(Libc.Close(fd));

    /// <summary>pread(2) into a span: bytes read (short at EOF), or -errno.</summary>
    public static long Pread(int fd, Span<byte> buf, long offset)
    {
        long r;
        fixed (byte* p = buf) r = Check(Libc.Pread(fd, p, buf.Length, offset));
        return Read(buf, r);
    }

    /// <summary>pwrite(2) from a span: bytes written, or -errno.</summary>
    public static long Pwrite(int fd, ReadOnlySpan<byte> buf, long offset)
    {
        fixed (byte* p = buf) return Check(Libc.Pwrite(fd, p, buf.Length, offset));
    }

    /// <summary>pread(2) into raw memory (aligned buffers for O_DIRECT).</summary>
    public static long Pread(int fd, nint buf, long count, long offset) =>
        Read(new Span<byte>((void*)buf, (int)Math.Min(count, int.MaxValue)), Check(Libc.Pread(fd, (byte*)buf, (nint)count, offset)));

    /// <summary>pwrite(2) from raw memory (aligned buffers for O_DIRECT).</summary>
    public static long Pwrite(int fd, nint buf, long count, long offset) =>
        Check(Libc.Pwrite(fd, (byte*)buf, (nint)count, offset));

    /// <summary>read(2) at the descriptor's position: bytes read, or -errno.</summary>
    public static long Read(int fd, Span<byte> buf)
    {
        long r;
        fixed (byte* p = buf) r = Check(Libc.Read(fd, p, buf.Length));
        return Read(buf, r);
    }

    /// <summary>write(2) at the descriptor's position: bytes written, or -errno.</summary>
    public static long Write(int fd, ReadOnlySpan<byte> buf)
    {
        fixed (byte* p = buf) return Check(Libc.Write(fd, p, buf.Length));
    }

    /// <summary>preadv(2) over pinned segments: bytes read, or -errno.</summary>
    public static long Preadv(int fd, ReadOnlySpan<Iovec> iov, long offset)
    {
        long r;
        fixed (Iovec* p = iov) r = Check(Libc.Preadv(fd, p, iov.Length, offset));
        // Faults see the first segment (enough to corrupt or shorten what the caller gets).
        return iov.Length > 0 && r > 0 ? Read(new Span<byte>((void*)iov[0].Base, (int)iov[0].Length), r) : r;
    }

    /// <summary>pwritev(2) over pinned segments: bytes written, or -errno.</summary>
    public static long Pwritev(int fd, ReadOnlySpan<Iovec> iov, long offset)
    {
        fixed (Iovec* p = iov) return Check(Libc.Pwritev(fd, p, iov.Length, offset));
    }

    /// <summary>ftruncate(2): 0 or -errno.</summary>
    public static long Ftruncate(int fd, long length) => Check(Libc.Ftruncate(fd, length));

    /// <summary>fallocate(2) with FALLOC_FL_* mode bits: 0 or -errno (EOPNOTSUPP when unsupported).</summary>
    public static long Fallocate(int fd, int mode, long offset, long len) => Check(Libc.Fallocate(fd, mode, offset, len));

    /// <summary>lseek(2) incl. SEEK_DATA/SEEK_HOLE: the new offset, or -errno (ENXIO past the last data).</summary>
    public static long Lseek(int fd, long offset, int whence)
    {
        long r = Check(Libc.Lseek(fd, offset, whence));
        return Faults.Value is { } f ? f.AfterLseek(whence, r) : r;
    }

    /// <summary>fsync(2): 0 or -errno.</summary>
    public static long Fsync(int fd) => Check(Libc.Fsync(fd));

    /// <summary>mmap(2) of a file range: the address, or -errno.</summary>
    public static long Mmap(long length, int prot, int fd, long offset)
    {
        nint r = Libc.Mmap(0, (nint)length, prot, MAP_SHARED, fd, offset);
        return r == -1 ? Fail() : r;
    }

    /// <summary>munmap(2): 0 or -errno.</summary>
    public static long Munmap(nint addr, long length) => Check(Libc.Munmap(addr, (nint)length));

    /// <summary>msync(2): 0 or -errno.</summary>
    public static long Msync(nint addr, long length, int flags) => Check(Libc.Msync(addr, (nint)length, flags));

    /// <summary>mknod(2): 0 or -errno.</summary>
    public static long Mknod(string path, uint mode, uint major, uint minor) =>
        Check(Libc.Mknod(path, mode, MakeDev(major, minor)));

    /// <summary>link(2): 0 or -errno.</summary>
    public static long Link(string oldPath, string newPath) => Check(Libc.Link(oldPath, newPath));

    /// <summary>rename(2): 0 or -errno.</summary>
    public static long Rename(string oldPath, string newPath) => Check(Libc.Rename(oldPath, newPath));

    /// <summary>statx(2) of a path (following symlinks): 0 or -errno; fills <paramref name="st"/>.</summary>
    public static long Statx(string path, out StatxBuffer st, uint mask = STATX_BASIC_STATS)
    {
        StatxBuffer b = default;
        long r = Check(Libc.Statx(AT_FDCWD, path, 0, mask, &b));
        st = b;
        return r;
    }

    /// <summary>getdents64(2) into a buffer: bytes of records, 0 at the end, or -errno.</summary>
    public static long Getdents64(int fd, Span<byte> buf)
    {
        fixed (byte* p = buf) return Check(Libc.Getdents64(fd, p, buf.Length));
    }

    /// <summary>glibc's makedev(): the dev_t of a major/minor pair.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) |
        ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    /// <summary>The errno name of a -errno result (e.g. "ENOTEMPTY"), for test output.</summary>
    public static string ErrnoName(long result) => ClusterFs.Iov.Errno.FromResult(result).ToString();
}
