using System.Runtime.InteropServices;

namespace ClusterFs.Fs.Storage;

/// <summary>The few Linux file calls .NET does not expose: open with O_DIRECT, fdatasync, fallocate
/// (punch hole) and the size of a block device. Blittable signatures only, so no unsafe code.</summary>
internal static class LinuxFile
{
    // x86_64 / aarch64 generic values.
    internal const int O_RDONLY = 0, O_RDWR = 2, O_CLOEXEC = 0x80000;
    internal static int O_DIRECT => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 ? 0x10000 : 0x4000;
    internal const int FALLOC_FL_KEEP_SIZE = 0x01, FALLOC_FL_PUNCH_HOLE = 0x02;
    internal const int SEEK_END = 2;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    internal static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    internal static extern int FdataSync(int fd);

    [DllImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    internal static extern int Fallocate(int fd, int mode, long offset, long length);

    [DllImport("libc", EntryPoint = "lseek", SetLastError = true)]
    internal static extern long Lseek(int fd, long offset, int whence);
}
