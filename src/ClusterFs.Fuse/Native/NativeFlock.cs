using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary>x86_64 <c>struct flock</c> (64-bit off_t): 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeFlock
{
    public short Type;
    public short Whence;
    public long Start;
    public long Len;
    public int Pid;
}
