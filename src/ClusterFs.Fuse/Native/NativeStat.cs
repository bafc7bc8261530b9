using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary>glibc x86_64 <c>struct stat</c>: 144 bytes (st_nlink before st_mode, three reserved longs).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeStat
{
    public ulong Dev;
    public ulong Ino;
    public ulong Nlink;
    public uint Mode;
    public uint Uid;
    public uint Gid;
    public int Pad0;
    public ulong Rdev;
    public long Size;
    public long BlkSize;
    public long Blocks;
    public long AtimeSec;
    public long AtimeNsec;
    public long MtimeSec;
    public long MtimeNsec;
    public long CtimeSec;
    public long CtimeNsec;
    public fixed long Reserved[3];
}
