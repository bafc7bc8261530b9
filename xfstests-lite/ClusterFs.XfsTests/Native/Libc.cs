using System.Runtime.InteropServices;

namespace ClusterFs.XfsTests.Native;

/// <summary>
/// The libc calls the tests need and .NET does not expose (positional and vectored I/O on raw
/// descriptors, O_DIRECT, mmap, fallocate, SEEK_DATA/SEEK_HOLE, mknod, statx, getdents64). Every
/// call sets the last P/Invoke error so <see cref="Posix"/> can turn -1 into -errno.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags, int mode);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "pread", SetLastError = true)]
    internal static partial nint Pread(int fd, byte* buf, nint count, long offset);

    [LibraryImport(Lib, EntryPoint = "pwrite", SetLastError = true)]
    internal static partial nint Pwrite(int fd, byte* buf, nint count, long offset);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, byte* buf, nint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, byte* buf, nint count);

    [LibraryImport(Lib, EntryPoint = "preadv", SetLastError = true)]
    internal static partial nint Preadv(int fd, Iovec* iov, int iovcnt, long offset);

    [LibraryImport(Lib, EntryPoint = "pwritev", SetLastError = true)]
    internal static partial nint Pwritev(int fd, Iovec* iov, int iovcnt, long offset);

    [LibraryImport(Lib, EntryPoint = "ftruncate", SetLastError = true)]
    internal static partial int Ftruncate(int fd, long length);

    [LibraryImport(Lib, EntryPoint = "fallocate", SetLastError = true)]
    internal static partial int Fallocate(int fd, int mode, long offset, long len);

    [LibraryImport(Lib, EntryPoint = "lseek", SetLastError = true)]
    internal static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport(Lib, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(int fd);

    [LibraryImport(Lib, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint addr, nint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Lib, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(nint addr, nint length);

    [LibraryImport(Lib, EntryPoint = "msync", SetLastError = true)]
    internal static partial int Msync(nint addr, nint length, int flags);

    [LibraryImport(Lib, EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mknod(string path, uint mode, ulong dev);

    [LibraryImport(Lib, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Link(string oldPath, string newPath);

    [LibraryImport(Lib, EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Rename(string oldPath, string newPath);

    [LibraryImport(Lib, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Statx(int dirfd, string path, int flags, uint mask, StatxBuffer* buf);

    [LibraryImport(Lib, EntryPoint = "getdents64", SetLastError = true)]
    internal static partial nint Getdents64(int fd, byte* buf, nint count);
}
