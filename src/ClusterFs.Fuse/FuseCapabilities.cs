namespace ClusterFs.Fuse;

/// <summary>FUSE_CAP_* bits of libfuse 3.14 (fuse_common.h), as in <c>fuse_conn_info.capable/want</c>.</summary>
[Flags]
public enum FuseCapabilities : uint
{
    None = 0,
    AsyncRead = 1u << 0,
    PosixLocks = 1u << 1,
    AtomicOTrunc = 1u << 3,
    ExportSupport = 1u << 4,
    DontMask = 1u << 6,
    SpliceWrite = 1u << 7,
    SpliceMove = 1u << 8,
    SpliceRead = 1u << 9,
    FlockLocks = 1u << 10,
    IoctlDir = 1u << 11,
    AutoInvalData = 1u << 12,
    ReaddirPlus = 1u << 13,
    ReaddirPlusAuto = 1u << 14,
    AsyncDio = 1u << 15,
    WritebackCache = 1u << 16,
    NoOpenSupport = 1u << 17,
    ParallelDirops = 1u << 18,
    PosixAcl = 1u << 19,
    HandleKillpriv = 1u << 20,
    CacheSymlinks = 1u << 23,
    NoOpendirSupport = 1u << 24,
    ExplicitInvalData = 1u << 25,
    ExpireOnly = 1u << 26,
}
