using ClusterFs.Fs.Files;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Vfs;
using ClusterFs.Fs.Vfs.Aio;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Api;

// io_submit of reads and writes with user buffers (UBUF) into an AioContext; completions arrive as its events.
public sealed partial class FsProcess
{
    /// <summary>
    /// io_submit of one pread (<paramref name="write"/> false) or pwrite of [addr, addr + length) of <see cref="Mm"/>
    /// at <paramref name="pos"/> on <paramref name="fd"/>. O_DIRECT files go through the direct path, which may
    /// complete later (asynchronously); everything else completes before this returns. Returns OK once the
    /// request is submitted (its result, a count or -errno, arrives as an event with <paramref name="userData"/>),
    /// or EBADF, EINVAL, EAGAIN (the context's ring is full).
    /// </summary>
    public Errno IoSubmit(AioContext context, ulong userData, int fd, bool write, ulong addr, long length, long pos)
    {
        ArgumentNullException.ThrowIfNull(context);
        var file = Get(fd);
        if (file is null || (write ? !file.CanWrite : !file.CanRead)) return Errno.EBADF;
        if (pos < 0 || length < 0) return Errno.EINVAL;
        if (FileTypeBits.IsDir(file.Inode.Mode)) return Errno.EISDIR;
        var flags = KiocbFlagsOf(file);
        if (!write) flags &= ~(KiocbFlags.Append | KiocbFlags.Sync | KiocbFlags.Dsync);
        return context.Submit(new AioRequest(userData, pos, flags, iocb =>
        {
            using var task = Enter();
            long r = IovIter.ImportUbuf(write ? IterDirection.Source : IterDirection.Dest, Mm, addr, length, out var it);
            if (r < 0) return r;
            if ((flags & KiocbFlags.Direct) != 0 && (flags & KiocbFlags.Append) == 0 && !DirectAligned(file, it!, pos))
                return Errno.EINVAL.Negative;
            return write ? GfsFileOperations.WriteIter(file.Inode, iocb, it!) : GfsFileOperations.ReadIter(file.Inode, iocb, it!);
        }));
    }
}
