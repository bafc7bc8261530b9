using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary>The few libc calls the mount helper needs (umount2, mount for fusectl).</summary>
internal static unsafe partial class Libc
{
    public const int MNT_FORCE = 1;
    public const int MNT_DETACH = 2;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int umount2(byte* target, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int mount(byte* source, byte* target, byte* fstype, ulong flags, void* data);
}
