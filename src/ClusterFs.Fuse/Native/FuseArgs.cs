using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary><c>struct fuse_args</c> (fuse_opt.h): argc, NULL-terminated argv, allocated flag.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseArgs
{
    public int Argc;
    public byte** Argv;
    public int Allocated;
}
