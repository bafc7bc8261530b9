using ClusterFs.Iov;

namespace ClusterFs.Fs.Storage;

/// <summary>
/// A stand-in journal with no log: Commit writes every image in place (and flushes when asked). Atomic
/// only if nothing crashes; for mkfs-time tools, tests and read-mostly utilities until the real journal
/// is wired in.
/// </summary>
public sealed class WriteThroughJournal(IBlockDevice device, int blockSize, bool flushOnCommit = false) : IMetadataJournal
{
    /// <summary>Transactions committed so far.</summary>
    public long Commits { get; private set; }

    /// <inheritdoc/>
    public IMetadataTransaction Begin() => new Transaction(this);

    private sealed class Transaction(WriteThroughJournal owner) : IMetadataTransaction
    {
        private readonly Dictionary<long, byte[]> _images = [];

        public void Log(long block, ReadOnlySpan<byte> image)
        {
            if (image.Length != owner._blockSizeChecked) throw new ArgumentException($"image of {image.Length} bytes for a {owner._blockSizeChecked}-byte block");
            _images[block] = image.ToArray();
        }

        public Errno Commit()
        {
            foreach (var (block, image) in _images)
            {
                var e = owner._device.Write(block * owner._blockSizeChecked, image);
                if (!e.IsOk) return e;
            }
            _images.Clear();
            owner.Commits++;
            return owner._flush ? owner._device.Flush() : Errno.OK;
        }

        public void Dispose() => _images.Clear();
    }

    private readonly IBlockDevice _device = device ?? throw new ArgumentNullException(nameof(device));
    private readonly int _blockSizeChecked = blockSize > 0 ? blockSize : throw new ArgumentException("block size must be positive", nameof(blockSize));
    private readonly bool _flush = flushOnCommit;
}
