using ClusterFs.Iov;

namespace ClusterFs.Fs.Storage;

/// <summary>
/// A stand-in journal with no log: Commit writes every image in place (and flushes when asked). Atomic
/// only if nothing crashes; for mkfs-time tools, tests and utilities until the real journal is wired in.
/// </summary>
public sealed class WriteThroughJournal : IMetadataJournal
{
    private readonly IBlockDevice _device;
    private readonly int _blockSize;
    private readonly bool _flushOnCommit;

    /// <summary>Writes images of <paramref name="blockSize"/> bytes to <paramref name="device"/>; with
    /// <paramref name="flushOnCommit"/> every commit ends with a device flush.</summary>
    public WriteThroughJournal(IBlockDevice device, int blockSize, bool flushOnCommit = false)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        _device = device;
        _blockSize = blockSize;
        _flushOnCommit = flushOnCommit;
    }

    /// <summary>Transactions committed so far.</summary>
    public long Commits { get; private set; }

    /// <inheritdoc/>
    public IMetadataTransaction Begin() => new Transaction(this);

    private sealed class Transaction(WriteThroughJournal owner) : IMetadataTransaction
    {
        private readonly Dictionary<long, byte[]> _images = [];

        public void Log(long block, ReadOnlySpan<byte> image)
        {
            if (image.Length != owner._blockSize)
                throw new ArgumentException($"image of {image.Length} bytes for a {owner._blockSize}-byte block", nameof(image));
            _images[block] = image.ToArray();
        }

        public Errno Commit()
        {
            foreach (var (block, image) in _images)
            {
                var e = owner._device.Write(block * owner._blockSize, image);
                if (!e.IsOk) return e;
            }
            _images.Clear();
            owner.Commits++;
            return owner._flushOnCommit ? owner._device.Flush() : Errno.OK;
        }

        public void Dispose() => _images.Clear();
    }
}
