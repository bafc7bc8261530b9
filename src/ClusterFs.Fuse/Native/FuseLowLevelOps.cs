using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary>
/// <c>struct fuse_lowlevel_ops</c> of libfuse 3.14 (FUSE_USE_VERSION 35+): 44 function pointers,
/// 352 bytes, in header order. Unused entries (access, bmap, ioctl, poll, write_buf, retrieve_reply)
/// stay NULL so libfuse answers ENOSYS and leaves the matching capability off.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseLowLevelOps
{
    public delegate* unmanaged<nint, FuseConnInfo*, void> Init;
    public delegate* unmanaged<nint, void> Destroy;
    public delegate* unmanaged<nint, ulong, byte*, void> Lookup;
    public delegate* unmanaged<nint, ulong, ulong, void> Forget;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> GetAttr;
    public delegate* unmanaged<nint, ulong, NativeStat*, int, FuseFileInfo*, void> SetAttr;
    public delegate* unmanaged<nint, ulong, void> ReadLink;
    public delegate* unmanaged<nint, ulong, byte*, uint, ulong, void> MkNod;
    public delegate* unmanaged<nint, ulong, byte*, uint, void> MkDir;
    public delegate* unmanaged<nint, ulong, byte*, void> Unlink;
    public delegate* unmanaged<nint, ulong, byte*, void> RmDir;
    public delegate* unmanaged<nint, byte*, ulong, byte*, void> SymLink;
    public delegate* unmanaged<nint, ulong, byte*, ulong, byte*, uint, void> Rename;
    public delegate* unmanaged<nint, ulong, ulong, byte*, void> Link;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> Open;
    public delegate* unmanaged<nint, ulong, nuint, long, FuseFileInfo*, void> Read;
    public delegate* unmanaged<nint, ulong, byte*, nuint, long, FuseFileInfo*, void> Write;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> Flush;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> Release;
    public delegate* unmanaged<nint, ulong, int, FuseFileInfo*, void> Fsync;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> OpenDir;
    public delegate* unmanaged<nint, ulong, nuint, long, FuseFileInfo*, void> ReadDir;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> ReleaseDir;
    public delegate* unmanaged<nint, ulong, int, FuseFileInfo*, void> FsyncDir;
    public delegate* unmanaged<nint, ulong, void> StatFs;
    public delegate* unmanaged<nint, ulong, byte*, byte*, nuint, int, void> SetXattr;
    public delegate* unmanaged<nint, ulong, byte*, nuint, void> GetXattr;
    public delegate* unmanaged<nint, ulong, nuint, void> ListXattr;
    public delegate* unmanaged<nint, ulong, byte*, void> RemoveXattr;
    public nint Access;
    public delegate* unmanaged<nint, ulong, byte*, uint, FuseFileInfo*, void> Create;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, NativeFlock*, void> GetLk;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, NativeFlock*, int, void> SetLk;
    public nint Bmap;
    public nint Ioctl;
    public nint Poll;
    public nint WriteBuf;
    public nint RetrieveReply;
    public delegate* unmanaged<nint, nuint, FuseForgetData*, void> ForgetMulti;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, int, void> Flock;
    public delegate* unmanaged<nint, ulong, int, long, long, FuseFileInfo*, void> Fallocate;
    public delegate* unmanaged<nint, ulong, nuint, long, FuseFileInfo*, void> ReadDirPlus;
    public delegate* unmanaged<nint, ulong, long, FuseFileInfo*, ulong, long, FuseFileInfo*, nuint, int, void> CopyFileRange;
    public delegate* unmanaged<nint, ulong, long, int, FuseFileInfo*, void> Lseek;
}
