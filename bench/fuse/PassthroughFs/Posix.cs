using System.Runtime.InteropServices;

namespace ClusterFs.FusePassthrough;

/// <summary>The libc calls the passthrough makes on the backing directory; all return -1 and set errno on failure.</summary>
internal static unsafe partial class Posix
{
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

    [LibraryImport("libc", SetLastError = true)] public static partial int open(byte* path, int flags, uint mode);
    [LibraryImport("libc", SetLastError = true)] public static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] public static partial nint pread(int fd, byte* buf, nint count, long offset);
    [LibraryImport("libc", SetLastError = true)] public static partial nint pwrite(int fd, byte* buf, nint count, long offset);
    [LibraryImport("libc", SetLastError = true)] public static partial int lstat(byte* path, out Stat st);
    [LibraryImport("libc", SetLastError = true)] public static partial int fstat(int fd, out Stat st);
    [LibraryImport("libc", SetLastError = true)] public static partial int ftruncate(int fd, long length);
    [LibraryImport("libc", SetLastError = true)] public static partial int truncate(byte* path, long length);
    [LibraryImport("libc", SetLastError = true)] public static partial int fsync(int fd);
    [LibraryImport("libc", SetLastError = true)] public static partial int unlink(byte* path);
    [LibraryImport("libc", SetLastError = true)] public static partial int chmod(byte* path, uint mode);

    public static int Errno => Marshal.GetLastPInvokeError();
}
