using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary><c>struct iovec</c>: base pointer and length.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public void* Base;
    public nuint Len;
}
