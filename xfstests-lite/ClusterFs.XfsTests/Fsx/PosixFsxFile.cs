using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Fsx;

/// <summary>
/// A real file for fsx: positional I/O through an aligned buffer (so O_DIRECT works), mapped reads
/// and writes with mmap/msync/munmap, ftruncate and fallocate. In aio mode each read or write is split
/// into up to <see cref="AioChunks"/> pieces submitted concurrently on pool threads and waited for
/// together: Linux libaio (io_submit of one iocb, then io_getevents) is not used, so this exercises
/// concurrent in-flight I/O on one file rather than the kernel's aio path.
/// </summary>
public sealed class PosixFsxFile : IFsxFile
{
    private const int AioChunks = 4;
    private static readonly TimeSpan s_aioBound = TimeSpan.FromSeconds(60);

    private readonly string _path;
    private readonly int _flags;
    private readonly bool _aio;
    private readonly int _align;
    private readonly AlignedBuffer _buffer;
    private int _fd;
    // Set when aio pieces outlived their bound: they may still write into _buffer, so it must
    // never be freed (a leak beats a use-after-free when the filesystem hangs).
    private bool _piecesInFlight;

    /// <summary>
    /// Opens (creating) <paramref name="path"/>; truncates it unless <paramref name="keep"/>. Throws
    /// IOException if it cannot be opened (fsx cannot start). <paramref name="align"/> is the unit aio
    /// pieces are cut at (the O_DIRECT alignment).
    /// </summary>
    public PosixFsxFile(string path, bool directIo, bool aio, int maxOpLen, int align, bool keep)
    {
        _path = path;
        _flags = Posix.O_RDWR | (directIo ? Posix.O_DIRECT : 0);
        _aio = aio;
        _align = Math.Max(1, align);
        _buffer = new AlignedBuffer(maxOpLen + 2L * Environment.SystemPageSize, Environment.SystemPageSize);
        _fd = Posix.Open(path, _flags | Posix.O_CREAT | (keep ? 0 : Posix.O_TRUNC));
        if (_fd < 0) throw new IOException($"fsx: open {path}: {Posix.ErrnoName(_fd)}");
    }

    /// <inheritdoc/>
    public long Read(long offset, Span<byte> dest)
    {
        long r = Transfer(offset, dest.Length, write: false);
        if (r > 0) _buffer.Span[..(int)r].CopyTo(dest);
        return r;
    }

    /// <inheritdoc/>
    public long Write(long offset, ReadOnlySpan<byte> src)
    {
        src.CopyTo(_buffer.Span);
        return Transfer(offset, src.Length, write: true);
    }

    /// <inheritdoc/>
    public unsafe long MapRead(long offset, Span<byte> dest)
    {
        long addr = MapRange(offset, dest.Length, Posix.PROT_READ, out long mapLen, out long skew);
        if (addr < 0) return addr;
        new ReadOnlySpan<byte>((byte*)addr + skew, dest.Length).CopyTo(dest);
        Posix.Munmap((nint)addr, mapLen);
        return dest.Length;
    }

    /// <inheritdoc/>
    public unsafe long MapWrite(long offset, ReadOnlySpan<byte> src)
    {
        long addr = MapRange(offset, src.Length, Posix.PROT_READ | Posix.PROT_WRITE, out long mapLen, out long skew);
        if (addr < 0) return addr;
        src.CopyTo(new Span<byte>((byte*)addr + skew, src.Length));
        long s = Posix.Msync((nint)addr, mapLen, Posix.MS_SYNC);
        Posix.Munmap((nint)addr, mapLen);
        return s < 0 ? s : src.Length;
    }

    /// <inheritdoc/>
    public long Truncate(long size) => Posix.Ftruncate(_fd, size);

    /// <inheritdoc/>
    public long Fallocate(int mode, long offset, long length) => Posix.Fallocate(_fd, mode, offset, length);

    /// <inheritdoc/>
    public long Size() => Posix.Lseek(_fd, 0, Posix.SEEK_END);

    /// <inheritdoc/>
    public long CloseOpen()
    {
        Posix.Close(_fd);
        _fd = Posix.Open(_path, _flags);
        return _fd < 0 ? _fd : 0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_fd >= 0) { Posix.Close(_fd); _fd = -1; }
        if (!_piecesInFlight) _buffer.Dispose();
    }

    // Maps the pages covering [offset, offset+length): the address (or -errno), the mapping's
    // length and where offset lies in it.
    private long MapRange(long offset, int length, int prot, out long mapLen, out long skew)
    {
        long page = Environment.SystemPageSize;
        long pgOff = offset & ~(page - 1);
        skew = offset - pgOff;
        mapLen = skew + length;
        return Posix.Mmap(mapLen, prot, _fd, pgOff);
    }

    // Moves [offset, offset+length) between the file and _buffer[0..length): bytes moved or -errno.
    private long Transfer(long offset, int length, bool write)
    {
        if (!_aio || length < 2 * _align) return One(offset, 0, length, write);
        int piece = (int)Math.Min(length, ((length + AioChunks - 1) / AioChunks + _align - 1) / _align * _align);
        var tasks = new List<Task<long>>();
        for (int start = 0; start < length; start += piece)
        {
            int s = start, n = Math.Min(piece, length - start);
            tasks.Add(Task.Run(() => One(offset + s, s, n, write)));
        }
        if (!Task.WaitAll(tasks.ToArray(), s_aioBound))
        {
            _piecesInFlight = true;
            return -(long)ClusterFs.Iov.Errno.ETIMEDOUT.Value;
        }
        long done = 0;
        for (int i = 0; i < tasks.Count; i++)
        {
            long r = tasks[i].Result;
            if (r < 0) return done > 0 ? done : r;
            done += r;
            if (r < Math.Min(piece, length - i * piece)) break; // short piece: later ones are not contiguous
        }
        return done;
    }

    // One call, no retry: a short count from a regular file is a finding fsx must report, not hide.
    private long One(long fileOffset, int bufOffset, int length, bool write)
    {
        nint p = _buffer.Address + bufOffset;
        return write ? Posix.Pwrite(_fd, p, length, fileOffset) : Posix.Pread(_fd, p, length, fileOffset);
    }
}
