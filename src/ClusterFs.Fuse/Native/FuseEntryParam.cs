using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary><c>struct fuse_entry_param</c>: ino, generation, stat, attr_timeout, entry_timeout (176 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseEntryParam
{
    public ulong Ino;
    public ulong Generation;
    public NativeStat Attr;
    public double AttrTimeout;
    public double EntryTimeout;
}
