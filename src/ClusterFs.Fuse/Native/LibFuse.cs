using System.Runtime.InteropServices;

namespace ClusterFs.Fuse.Native;

/// <summary>
/// P/Invoke declarations for libfuse3.so.3 (3.14) low-level API. Every <c>fuse_reply_*</c> returns
/// 0 or -errno (the request is freed either way); <c>fuse_reply_none</c> is for forget only.
/// </summary>
internal static unsafe partial class LibFuse
{
    private const string Lib = "libfuse3.so.3";

    [LibraryImport(Lib)] public static partial nint fuse_session_new(FuseArgs* args, FuseLowLevelOps* op, nuint opSize, void* userdata);
    [LibraryImport(Lib)] public static partial int fuse_session_mount(nint se, byte* mountpoint);
    [LibraryImport(Lib)] public static partial void fuse_session_unmount(nint se);
    [LibraryImport(Lib)] public static partial void fuse_session_destroy(nint se);
    [LibraryImport(Lib)] public static partial void fuse_session_exit(nint se);
    [LibraryImport(Lib)] public static partial int fuse_session_exited(nint se);
    [LibraryImport(Lib)] public static partial int fuse_session_fd(nint se);
    [LibraryImport(Lib)] public static partial int fuse_session_loop_mt_312(nint se, nint config);

    [LibraryImport(Lib)] public static partial nint fuse_loop_cfg_create();
    [LibraryImport(Lib)] public static partial void fuse_loop_cfg_destroy(nint config);
    [LibraryImport(Lib)] public static partial void fuse_loop_cfg_set_idle_threads(nint config, uint value);
    [LibraryImport(Lib)] public static partial void fuse_loop_cfg_set_max_threads(nint config, uint value);
    [LibraryImport(Lib)] public static partial void fuse_loop_cfg_set_clone_fd(nint config, uint value);

    [LibraryImport(Lib)] public static partial void* fuse_req_userdata(nint req);
    [LibraryImport(Lib)] public static partial FuseCtx* fuse_req_ctx(nint req);
    [LibraryImport(Lib)] public static partial void fuse_req_interrupt_func(nint req, delegate* unmanaged<nint, void*, void> func, void* data);

    [LibraryImport(Lib)] public static partial int fuse_reply_err(nint req, int err);
    [LibraryImport(Lib)] public static partial void fuse_reply_none(nint req);
    [LibraryImport(Lib)] public static partial int fuse_reply_entry(nint req, FuseEntryParam* e);
    [LibraryImport(Lib)] public static partial int fuse_reply_create(nint req, FuseEntryParam* e, FuseFileInfo* fi);
    [LibraryImport(Lib)] public static partial int fuse_reply_attr(nint req, NativeStat* attr, double attrTimeout);
    [LibraryImport(Lib)] public static partial int fuse_reply_readlink(nint req, byte* link);
    [LibraryImport(Lib)] public static partial int fuse_reply_open(nint req, FuseFileInfo* fi);
    [LibraryImport(Lib)] public static partial int fuse_reply_write(nint req, nuint count);
    [LibraryImport(Lib)] public static partial int fuse_reply_buf(nint req, byte* buf, nuint size);
    [LibraryImport(Lib)] public static partial int fuse_reply_data(nint req, FuseBufVec* bufv, int flags);
    [LibraryImport(Lib)] public static partial int fuse_reply_iov(nint req, IoVec* iov, int count);
    [LibraryImport(Lib)] public static partial int fuse_reply_statfs(nint req, NativeStatVfs* stbuf);
    [LibraryImport(Lib)] public static partial int fuse_reply_xattr(nint req, nuint count);
    [LibraryImport(Lib)] public static partial int fuse_reply_lock(nint req, NativeFlock* lk);
    [LibraryImport(Lib)] public static partial int fuse_reply_lseek(nint req, long off);

    [LibraryImport(Lib)] public static partial nuint fuse_add_direntry(nint req, byte* buf, nuint bufsize, byte* name, NativeStat* stbuf, long off);
    [LibraryImport(Lib)] public static partial nuint fuse_add_direntry_plus(nint req, byte* buf, nuint bufsize, byte* name, FuseEntryParam* e, long off);

    [LibraryImport(Lib)] public static partial int fuse_lowlevel_notify_inval_inode(nint se, ulong ino, long off, long len);
    [LibraryImport(Lib)] public static partial int fuse_lowlevel_notify_inval_entry(nint se, ulong parent, byte* name, nuint namelen);
    [LibraryImport(Lib)] public static partial int fuse_lowlevel_notify_delete(nint se, ulong parent, ulong child, byte* name, nuint namelen);
    [LibraryImport(Lib)] public static partial int fuse_lowlevel_notify_store(nint se, ulong ino, long offset, FuseBufVec* bufv, int flags);
}
