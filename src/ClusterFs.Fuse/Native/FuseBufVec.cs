using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary>
/// <c>struct fuse_bufvec</c> holding exactly one memory <c>struct fuse_buf</c> (size, flags, mem, fd,
/// pos): 64 bytes, as FUSE_BUFVEC_INIT builds it. Used for notify_store.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseBufVec
{
    public nuint Count;
    public nuint Idx;
    public nuint Off;
    public nuint BufSize;
    public int BufFlags;
    public void* BufMem;
    public int BufFd;
    public long BufPos;
}
