using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Tests.Native;

/// <summary>libc calls the tests make through the real kernel, beyond what System.IO offers.</summary>
internal static unsafe partial class Libc
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200, O_DIRECT = 0x4000;
    public const int SEEK_SET = 0, SEEK_DATA = 3, SEEK_HOLE = 4;
    public const int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;
    public const uint RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
    public const int AT_FDCWD = -100;
    public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
    public const int F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7;
    public const int F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38;
    public const short F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
    public const uint S_IFIFO = 0x1000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFMT = 0xF000;
    public const int XATTR_CREATE = 1, XATTR_REPLACE = 2;
    public const int EPERM = 1, ENOENT = 2, EIO = 5, EAGAIN = 11, EACCES = 13, EEXIST = 17, ENOTDIR = 20, ENOSPC = 28, ERANGE = 34, ENODATA = 61, ENXIO = 6;
    public const int EINTR = 4, EDEADLK = 35;

    [StructLayout(LayoutKind.Sequential)]
    public struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Len;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Stat
    {
        public ulong Dev, Ino, Nlink;
        public uint Mode, Uid, Gid;
        public int Pad0;
        public ulong Rdev;
        public long Size, BlkSize, Blocks;
        public long AtimeSec, AtimeNsec, MtimeSec, MtimeNsec, CtimeSec, CtimeNsec;
        public long R0, R1, R2;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StatVfs
    {
        public ulong BSize, FrSize, Blocks, BFree, BAvail, Files, FFree, FAvail, FsId, Flag, NameMax;
        public int S0, S1, S2, S3, S4, S5;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, uint mode);
    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint pread(int fd, byte* buf, nint count, long offset);
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint pwrite(int fd, byte* buf, nint count, long offset);
    [LibraryImport("libc", SetLastError = true)]
    public static partial long lseek(int fd, long offset, int whence);
    [LibraryImport("libc", SetLastError = true)]
    public static partial int fallocate(int fd, int mode, long offset, long len);
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint copy_file_range(int fdIn, long* offIn, int fdOut, long* offOut, nint len, uint flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int link(string oldpath, string newpath);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mknod(string path, uint mode, ulong dev);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int stat(string path, out Stat st);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statvfs(string path, out StatVfs st);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int setxattr(string path, string name, byte* value, nint size, int flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint getxattr(string path, string name, byte* value, nint size);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint listxattr(string path, byte* list, nint size);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int removexattr(string path, string name);
    [LibraryImport("libc", SetLastError = true)]
    public static partial int flock(int fd, int op);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chown(string path, uint owner, uint group);
    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsync(int fd);
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int fcntl_lock(int fd, int cmd, ref Flock lk);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int utimensat(int dirfd, string path, long* times, int flags);

    public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MS_SYNC = 4;

    [LibraryImport("libc", SetLastError = true)]
    public static partial void* mmap(void* addr, nint length, int prot, int flags, int fd, long offset);
    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(void* addr, nint length);
    [LibraryImport("libc", SetLastError = true)]
    public static partial int msync(void* addr, nint length, int flags);

    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>open(2) that throws with the errno on failure, for tests where failure is not the point.</summary>
    public static int OpenOrThrow(string path, int flags, uint mode = 0x1A4)
    {
        int fd = open(path, flags, mode);
        if (fd < 0)
            throw new IOException($"open({path}) failed: errno {Errno}");
        return fd;
    }
}
