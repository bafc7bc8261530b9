using System.Buffers;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Journal;

/// <summary>
/// A transaction of a <see cref="MetadataJournal"/>: the set of block images to log, in first-logged order,
/// the last image of a block winning. Owned by one thread until it is committed or disposed. Image copies live
/// in pooled buffers, returned when the transaction is committed or disposed.
/// </summary>
internal sealed class MetadataTransaction : IMetadataTransaction
{
    private readonly MetadataJournal _journal;
    private readonly Dictionary<long, byte[]> _images = [];
    private readonly List<long> _order = [];
    private bool _finished;

    public MetadataTransaction(MetadataJournal journal) => _journal = journal;

    /// <summary>Logged home blocks in first-logged order.</summary>
    public IReadOnlyList<long> Blocks => _order;

    public ReadOnlySpan<byte> Image(long block) => _images[block].AsSpan(0, _journal.Extent.BlockSize);

    /// <exception cref="ArgumentException">The image is not one block, or the block is outside the device or
    /// inside the journal.</exception>
    /// <exception cref="InvalidOperationException">The transaction is already committed or disposed.</exception>
    public void Log(long block, ReadOnlySpan<byte> image)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        _journal.CheckLoggable(block, image.Length);
        if (_images.TryGetValue(block, out var existing))
        {
            image.CopyTo(existing);
            return;
        }
        var copy = ArrayPool<byte>.Shared.Rent(image.Length);
        image.CopyTo(copy);
        _images.Add(block, copy);
        _order.Add(block);
    }

    /// <summary>Commits through the journal (see <see cref="MetadataJournal"/> for the protocol and results).</summary>
    /// <exception cref="ObjectDisposedException">Already committed or disposed.</exception>
    public Errno Commit()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        _finished = true;
        try
        {
            return _journal.Commit(this);
        }
        finally
        {
            ReleaseImages();
        }
    }

    /// <summary>Discards the transaction if it was not committed.</summary>
    public void Dispose()
    {
        _finished = true;
        ReleaseImages();
    }

    private void ReleaseImages()
    {
        foreach (var buffer in _images.Values) ArrayPool<byte>.Shared.Return(buffer);
        _images.Clear();
        _order.Clear();
    }
}
