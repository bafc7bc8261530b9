using System.Runtime.InteropServices;
using ClusterFs.Iov;
using Microsoft.Win32.SafeHandles;

namespace ClusterFs.Fs.Storage;

/// <summary>
/// An <see cref="IBlockDevice"/> over an image file or a block-device path: positional I/O through
/// <see cref="RandomAccess"/>, nothing cached in this process (every node of the cluster opens the same
/// device, so a cache here would go stale). With <c>direct</c> the file is opened O_DIRECT and I/O goes
/// through an aligned bounce buffer, so callers may pass any span.
/// </summary>
public sealed class ImageFileDevice : IBlockDevice
{
    private const int BounceSize = 1 << 20;

    private readonly SafeFileHandle _handle;
    private readonly bool _readOnly;
    // Guards the bounce buffer (O_DIRECT only); plain I/O is positional and needs no lock.
    private readonly Lock _bounceLock = new();
    private readonly byte[]? _bounce;
    private readonly int _bounceOffset;

    private ImageFileDevice(SafeFileHandle handle, long size, int sectorSize, bool readOnly, bool direct)
    {
        _handle = handle;
        Size = size;
        SectorSize = sectorSize;
        _readOnly = readOnly;
        if (direct)
        {
            // O_DIRECT needs the buffer address aligned too: a pinned array, sliced at the first aligned byte.
            _bounce = GC.AllocateArray<byte>(BounceSize + 4096, pinned: true);
            long addr = Marshal.UnsafeAddrOfPinnedArrayElement(_bounce, 0).ToInt64();
            _bounceOffset = (int)((4096 - (addr & 4095)) & 4095);
        }
    }

    /// <inheritdoc/>
    public int SectorSize { get; }

    /// <inheritdoc/>
    public long Size { get; }

    /// <summary>True when opened O_DIRECT.</summary>
    public bool Direct => _bounce is not null;

    /// <summary>
    /// Opens <paramref name="path"/> (regular file or block device). Returns ENOENT, EACCES, EROFS, EINVAL
    /// (O_DIRECT refused by the file system) or EIO in <paramref name="error"/> with null on failure; never throws
    /// for I/O problems.
    /// </summary>
    public static ImageFileDevice? Open(string path, bool readOnly, bool direct, out Errno error)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int flags = (readOnly ? LinuxFile.O_RDONLY : LinuxFile.O_RDWR) | LinuxFile.O_CLOEXEC | (direct ? LinuxFile.O_DIRECT : 0);
        int fd = LinuxFile.Open(path, flags, 0);
        if (fd < 0)
        {
            error = new Errno(Marshal.GetLastPInvokeError());
            return null;
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        // lseek(SEEK_END) gives the size of a block device too, where fstat's st_size is 0.
        long size = LinuxFile.Lseek(fd, 0, LinuxFile.SEEK_END);
        if (size < 0)
        {
            error = new Errno(Marshal.GetLastPInvokeError());
            handle.Dispose();
            return null;
        }
        error = Errno.OK;
        return new ImageFileDevice(handle, size, direct ? 4096 : 512, readOnly, direct);
    }

    /// <summary>Creates (or truncates) a sparse image file of <paramref name="size"/> bytes. Returns the errno.</summary>
    public static Errno CreateSparse(string path, long size)
    {
        try
        {
            using var h = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
            RandomAccess.SetLength(h, size);
            return Errno.OK;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ToErrno(e);
        }
    }

    /// <inheritdoc/>
    public Errno Read(long offset, Span<byte> buffer)
    {
        if (!Valid(offset, buffer.Length)) return Errno.EINVAL;
        try
        {
            if (_bounce is null) return ReadAll(offset, buffer);
            lock (_bounceLock)
            {
                while (buffer.Length > 0)
                {
                    int n = Math.Min(buffer.Length, BounceSize);
                    var b = _bounce.AsSpan(_bounceOffset, n);
                    var e = ReadAll(offset, b);
                    if (!e.IsOk) return e;
                    b.CopyTo(buffer);
                    buffer = buffer[n..];
                    offset += n;
                }
            }
            return Errno.OK;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ToErrno(e);
        }
    }

    /// <inheritdoc/>
    public Errno Write(long offset, ReadOnlySpan<byte> data)
    {
        if (_readOnly) return Errno.EROFS;
        if (!Valid(offset, data.Length)) return Errno.EINVAL;
        try
        {
            if (_bounce is null)
            {
                RandomAccess.Write(_handle, data, offset);
                return Errno.OK;
            }
            lock (_bounceLock)
            {
                while (data.Length > 0)
                {
                    int n = Math.Min(data.Length, BounceSize);
                    var b = _bounce.AsSpan(_bounceOffset, n);
                    data[..n].CopyTo(b);
                    RandomAccess.Write(_handle, b, offset);
                    data = data[n..];
                    offset += n;
                }
            }
            return Errno.OK;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ToErrno(e);
        }
    }

    /// <inheritdoc/>
    public Errno Flush()
    {
        if (_readOnly) return Errno.OK;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            return LinuxFile.FdataSync((int)_handle.DangerousGetHandle()) == 0 ? Errno.OK : new Errno(Marshal.GetLastPInvokeError());
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <inheritdoc/>
    public Errno Discard(long offset, long length)
    {
        if (_readOnly) return Errno.EROFS;
        if (!Valid(offset, length)) return Errno.EINVAL;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            int fd = (int)_handle.DangerousGetHandle();
            if (LinuxFile.Fallocate(fd, LinuxFile.FALLOC_FL_PUNCH_HOLE | LinuxFile.FALLOC_FL_KEEP_SIZE, offset, length) == 0)
                return Errno.OK;
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
        // No hole punching here (a block device, or a file system without it): write zeroes instead so a
        // later read still sees zeroes, as the contract promises.
        var zeroes = new byte[(int)Math.Min(length, BounceSize)];
        while (length > 0)
        {
            int n = (int)Math.Min(length, zeroes.Length);
            var e = Write(offset, zeroes.AsSpan(0, n));
            if (!e.IsOk) return e;
            offset += n;
            length -= n;
        }
        return Errno.OK;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    private bool Valid(long offset, long length) =>
        offset >= 0 && length >= 0 && offset % SectorSize == 0 && length % SectorSize == 0 && offset + length <= Size;

    private Errno ReadAll(long offset, Span<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            int n = RandomAccess.Read(_handle, buffer, offset);
            if (n <= 0) return Errno.EIO; // the device shrank under us
            buffer = buffer[n..];
            offset += n;
        }
        return Errno.OK;
    }

    private static Errno ToErrno(Exception e) => e switch
    {
        UnauthorizedAccessException => Errno.EACCES,
        FileNotFoundException or DirectoryNotFoundException => Errno.ENOENT,
        // On Unix, .NET puts the raw errno in HResult of the IOExceptions it raises.
        _ when e.HResult is > 0 and < 4096 => new Errno(e.HResult),
        _ => Errno.EIO,
    };
}
