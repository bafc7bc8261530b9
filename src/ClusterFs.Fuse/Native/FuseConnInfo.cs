using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary><c>struct fuse_conn_info</c> of libfuse 3.14: ten unsigned fields and 22 reserved, 128 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseConnInfo
{
    public uint ProtoMajor;
    public uint ProtoMinor;
    public uint MaxWrite;
    public uint MaxRead;
    public uint MaxReadahead;
    public uint Capable;
    public uint Want;
    public uint MaxBackground;
    public uint CongestionThreshold;
    public uint TimeGran;
    public fixed uint Reserved[22];
}
