using ClusterFs.Fs.Files;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Api;

// read/write/pread/pwrite/readv/writev with KVEC, UBUF and IOVEC buffers.
public sealed partial class FsProcess
{
    /// <summary>read(2) into process memory (KVEC). Returns bytes read (0 at EOF) or -errno.</summary>
    public long Read(int fd, Memory<byte> buffer) => ReadIter(fd, IovIter.CreateKvec(IterDirection.Dest, buffer), null);

    /// <summary>read(2) into user memory [addr, addr + length) of <see cref="Mm"/> (UBUF). EFAULT when nothing could
    /// be written to the buffer; a short count when only a prefix could.</summary>
    public long Read(int fd, ulong addr, long length) => WithUbuf(IterDirection.Dest, addr, length, it => ReadIter(fd, it, null));

    /// <summary>pread(2) (KVEC): reads at <paramref name="pos"/> without moving the file position.</summary>
    public long Pread(int fd, Memory<byte> buffer, long pos) => ReadIter(fd, IovIter.CreateKvec(IterDirection.Dest, buffer), pos);

    /// <summary>pread(2) (UBUF).</summary>
    public long Pread(int fd, ulong addr, long length, long pos) => WithUbuf(IterDirection.Dest, addr, length, it => ReadIter(fd, it, pos));

    /// <summary>readv(2) (IOVEC).</summary>
    public long Readv(int fd, ReadOnlySpan<Iovec> iov) => WithIovec(IterDirection.Dest, iov, it => ReadIter(fd, it, null));

    /// <summary>preadv(2) (IOVEC).</summary>
    public long Preadv(int fd, ReadOnlySpan<Iovec> iov, long pos) => WithIovec(IterDirection.Dest, iov, it => ReadIter(fd, it, pos));

    /// <summary>write(2) from process memory (KVEC). Returns bytes written or -errno (EFBIG at the maximum size).</summary>
    public long Write(int fd, ReadOnlyMemory<byte> data) =>
        WriteIter(fd, IovIter.CreateKvec(IterDirection.Source, System.Runtime.InteropServices.MemoryMarshal.AsMemory(data)), null);

    /// <summary>write(2) from user memory (UBUF). EFAULT when nothing could be read from the buffer.</summary>
    public long Write(int fd, ulong addr, long length) => WithUbuf(IterDirection.Source, addr, length, it => WriteIter(fd, it, null));

    /// <summary>pwrite(2) (KVEC).</summary>
    public long Pwrite(int fd, ReadOnlyMemory<byte> data, long pos) =>
        WriteIter(fd, IovIter.CreateKvec(IterDirection.Source, System.Runtime.InteropServices.MemoryMarshal.AsMemory(data)), pos);

    /// <summary>pwrite(2) (UBUF).</summary>
    public long Pwrite(int fd, ulong addr, long length, long pos) => WithUbuf(IterDirection.Source, addr, length, it => WriteIter(fd, it, pos));

    /// <summary>writev(2) (IOVEC).</summary>
    public long Writev(int fd, ReadOnlySpan<Iovec> iov) => WithIovec(IterDirection.Source, iov, it => WriteIter(fd, it, null));

    /// <summary>pwritev(2) (IOVEC).</summary>
    public long Pwritev(int fd, ReadOnlySpan<Iovec> iov, long pos) => WithIovec(IterDirection.Source, iov, it => WriteIter(fd, it, pos));

    private long WithUbuf(IterDirection dir, ulong addr, long length, Func<IovIter, long> op)
    {
        long r = IovIter.ImportUbuf(dir, Mm, addr, length, out var it);
        return r < 0 ? r : op(it!);
    }

    private long WithIovec(IterDirection dir, ReadOnlySpan<Iovec> iov, Func<IovIter, long> op)
    {
        long r = IovIter.ImportIovec(dir, Mm, iov, out var it);
        return r < 0 ? r : op(it!);
    }

    /// <summary>The read path for any iterator: at <paramref name="pos"/> (pread) or the file position (read, which
    /// it advances). EBADF (not open for reading), EISDIR, ESPIPE for a negative position, EINVAL for misaligned
    /// O_DIRECT.</summary>
    public long ReadIter(int fd, IovIter to, long? pos)
    {
        ArgumentNullException.ThrowIfNull(to);
        using var task = Enter();
        var file = Get(fd);
        if (file is null || !file.CanRead) return Errno.EBADF.Negative;
        if (FileTypeBits.IsDir(file.Inode.Mode)) return Errno.EISDIR.Negative;
        if (pos < 0) return Errno.EINVAL.Negative;
        var flags = KiocbFlagsOf(file);
        if (pos is long p) return ReadAt(file, to, p, flags);
        lock (file.PositionLock)
        {
            long r = ReadAt(file, to, file.Position, flags, advance: true);
            return r;
        }
    }

    private long ReadAt(OpenFile file, IovIter to, long pos, KiocbFlags flags, bool advance = false)
    {
        if ((flags & KiocbFlags.Direct) != 0 && !DirectAligned(file, to, pos)) return Errno.EINVAL.Negative;
        var iocb = new Kiocb(pos, flags & ~(KiocbFlags.Append | KiocbFlags.Sync | KiocbFlags.Dsync));
        long r = GfsFileOperations.ReadIter(file.Inode, iocb, to);
        if (advance && r > 0) file.Position = iocb.Position;
        return r;
    }

    /// <summary>The write path for any iterator (see <see cref="ReadIter"/>); O_APPEND writes at the end.</summary>
    public long WriteIter(int fd, IovIter from, long? pos)
    {
        ArgumentNullException.ThrowIfNull(from);
        using var task = Enter();
        var file = Get(fd);
        if (file is null || !file.CanWrite) return Errno.EBADF.Negative;
        if (pos < 0) return Errno.EINVAL.Negative;
        var flags = KiocbFlagsOf(file);
        if (pos is long p) return WriteAt(file, from, p, flags, advance: false);
        lock (file.PositionLock) return WriteAt(file, from, file.Position, flags, advance: true);
    }

    private long WriteAt(OpenFile file, IovIter from, long pos, KiocbFlags flags, bool advance)
    {
        if ((flags & KiocbFlags.Direct) != 0 && (flags & KiocbFlags.Append) == 0 && !DirectAligned(file, from, pos))
            return Errno.EINVAL.Negative;
        var iocb = new Kiocb(pos, flags);
        long r = GfsFileOperations.WriteIter(file.Inode, iocb, from);
        if (advance && r > 0) file.Position = iocb.Position;
        return r;
    }

    /// <summary>O_DIRECT needs the position, the length and (for user memory) the address aligned to the block size.</summary>
    private static bool DirectAligned(OpenFile file, IovIter it, long pos)
    {
        int bs = file.Inode.BlockSize;
        return pos % bs == 0 && it.Count % bs == 0;
    }

    private static KiocbFlags KiocbFlagsOf(OpenFile file)
    {
        var f = KiocbFlags.None;
        if ((file.Flags & OpenFlags.Direct) != 0) f |= KiocbFlags.Direct;
        if ((file.Flags & OpenFlags.Append) != 0) f |= KiocbFlags.Append;
        if ((file.Flags & OpenFlags.Sync) == OpenFlags.Sync) f |= KiocbFlags.Sync;
        else if ((file.Flags & OpenFlags.Dsync) != 0) f |= KiocbFlags.Dsync;
        return f;
    }
}
