using ClusterFs.Iov;

namespace ClusterFs.Fs.Storage;

/// <summary>
/// A shared block device (image file or block device path), addressed in bytes. Offsets and lengths
/// must be multiples of <see cref="SectorSize"/> (EINVAL otherwise). Every node of a cluster opens the
/// same device; nothing here caches.
/// </summary>
public interface IBlockDevice : IDisposable
{
    /// <summary>Alignment unit for offsets and lengths (512, or the logical block size under O_DIRECT).</summary>
    int SectorSize { get; }

    /// <summary>Size of the device in bytes.</summary>
    long Size { get; }

    /// <summary>Reads exactly <c>buffer.Length</c> bytes at <paramref name="offset"/>. EIO on a device error,
    /// EINVAL for misaligned or out-of-range requests.</summary>
    Errno Read(long offset, Span<byte> buffer);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>. Not durable until <see cref="Flush"/>.</summary>
    Errno Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Makes every completed write durable (fdatasync).</summary>
    Errno Flush();

    /// <summary>Tells the device the range holds no data (punch a hole in an image file). Reads may then return zeroes.</summary>
    Errno Discard(long offset, long length);
}
