using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary><c>struct fuse_forget_data</c>: one (ino, nlookup) pair of a batch forget.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseForgetData
{
    public ulong Ino;
    public ulong Nlookup;
}
