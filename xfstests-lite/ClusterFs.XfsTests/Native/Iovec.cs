using System.Runtime.InteropServices;

namespace ClusterFs.XfsTests.Native;

/// <summary>struct iovec: one segment of a vectored read or write.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Iovec
{
    public nint Base;
    public nint Length;
}
