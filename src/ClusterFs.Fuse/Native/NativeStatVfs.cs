using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary>glibc x86_64 <c>struct statvfs</c>: 112 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeStatVfs
{
    public ulong BSize;
    public ulong FrSize;
    public ulong Blocks;
    public ulong BFree;
    public ulong BAvail;
    public ulong Files;
    public ulong FFree;
    public ulong FAvail;
    public ulong FsId;
    public ulong Flag;
    public ulong NameMax;
    public fixed int Spare[6];
}
