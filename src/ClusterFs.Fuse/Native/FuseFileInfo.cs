using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary>
/// <c>struct fuse_file_info</c> of libfuse 3.14 (fuse_common.h) on x86_64: 40 bytes, <c>fh</c> at 16.
/// The C bitfield (writepage, direct_io, keep_cache, flush, nonseekable, flock_release,
/// cache_readdir, noflush, then padding) is one 32-bit word, first member in bit 0 (GCC x86_64 ABI).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseFileInfo
{
    public const uint WritePageBit = 1u << 0;
    public const uint DirectIoBit = 1u << 1;
    public const uint KeepCacheBit = 1u << 2;
    public const uint FlushBit = 1u << 3;
    public const uint NonSeekableBit = 1u << 4;
    public const uint FlockReleaseBit = 1u << 5;
    public const uint CacheReaddirBit = 1u << 6;
    public const uint NoFlushBit = 1u << 7;

    public int Flags;
    public uint Bits;
    public uint Padding2;
    public ulong Fh;
    public ulong LockOwner;
    public uint PollEvents;
}
