using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Journal;

/// <summary>
/// One node's metadata journal over its extent of the shared device (docs/journal-format.md).
/// A commit: flush the device (ordered data: data written before the commit, and the previous transaction's
/// in-place writes, become durable); if the log lacks room, write a header moving the tail to the head and flush;
/// write descriptors, images and a commit block whose CRC covers the whole transaction, in one or two
/// writes; flush (the transaction is now durable); write the images in place. Commits are serialised in call
/// order (a ticket queue). After any device error the journal is withdrawn: later commits fail with EIO
/// without touching the device, and the next mount's replay completes whatever was committed.
/// </summary>
public sealed class MetadataJournal : IMetadataJournal
{
    private readonly IBlockDevice _device;
    private readonly JournalLocation _extent;
    private readonly ulong _journalId;
    private readonly int _perDescriptor;

    // Lock order: the only journal lock; device locks are taken under it. Guards the ticket counters; the
    // ticket holder alone touches the commit state below (fields marked "ticket").
    private readonly object _commitLock = new();
    private long _nextTicket;
    private long _nowServing;

    private long _head;              // ticket: log position of the next transaction
    private ulong _nextSequence;     // ticket
    private long _headerTail;        // ticket: tail recorded in the durable header; [tail, head) must not be overwritten
    private ulong _headerGeneration; // ticket: generation for the next header write
    private int _headerSlot;         // ticket: slot for the next header write
    private Errno _withdrawn;        // ticket: first device error, OK while healthy
    private bool _unmounted;         // ticket
    private byte[] _logBuffer = [];  // ticket

    private MetadataJournal(IBlockDevice device, JournalLocation extent, ReplayReport state)
    {
        _device = device;
        _extent = extent;
        _journalId = state.JournalId;
        _perDescriptor = JournalLayout.EntriesPerDescriptor(extent.BlockSize);
        _head = state.NextPosition;
        _headerTail = state.NextPosition;
        _nextSequence = state.NextSequence;
        _headerGeneration = state.HeaderGeneration + 1;
        _headerSlot = 1 - state.HeaderSlot;
    }

    /// <summary>The extent this journal owns.</summary>
    public JournalLocation Extent => _extent;

    /// <summary>Largest number of distinct blocks one transaction may log (larger ones fail with EFBIG).</summary>
    public int MaxBlocksPerTransaction
    {
        get
        {
            // Largest n with ceil(n / per) + n + 1 <= LogBlocks - 1: start from the real-valued bound, then step down.
            long n = (_extent.LogBlocks - 2) * _perDescriptor / (_perDescriptor + 1) + 1;
            while (n > 0 && BlocksFor(n) > _extent.LogBlocks - 1) n--;
            return (int)Math.Min(n, int.MaxValue);
        }
    }

    /// <summary>
    /// Initialises an empty journal in <paramref name="extent"/> (mkfs): header slot 0 with the tail at the
    /// start of the log, slot 1 cleared, then a flush. <paramref name="journalId"/> tags every journal block so
    /// that leftovers of an earlier filesystem are never replayed; a random one is drawn when null.
    /// </summary>
    /// <returns>OK, EINVAL for an unusable extent, or the device error.</returns>
    public static Errno Format(IBlockDevice device, JournalLocation extent, ulong? journalId = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (extent.Validate(device) is not null) return Errno.EINVAL;
        var buf = new byte[extent.BlockSize];
        var header = new JournalHeader(journalId ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue), JournalLayout.FormatVersion,
            extent.BlockSize, extent.LogBlocks, extent.StartOffset, TailPosition: 0, TailSequence: 1, Generation: 1);
        var err = device.Write(extent.HeaderOffset(1), buf);
        if (!err.IsOk) return err;
        JournalLayout.WriteHeader(buf, header);
        err = device.Write(extent.HeaderOffset(0), buf);
        return err.IsOk ? device.Flush() : err;
    }

    /// <summary>
    /// Mounts a node's own journal: replays it if dirty (see <see cref="JournalReplay.Replay"/>), marks it clean and
    /// returns a journal ready for transactions. <paramref name="journalLockHeld"/> reports whether the node still
    /// holds its journal glock.
    /// </summary>
    /// <returns>OK with <paramref name="journal"/> set, or the replay's error (details in <paramref name="report"/>).</returns>
    public static Errno Mount(IBlockDevice device, JournalLocation extent, Func<bool> journalLockHeld,
        out MetadataJournal? journal, out ReplayReport report)
    {
        report = JournalReplay.Replay(device, extent, journalLockHeld);
        journal = report.Error.IsOk ? new MetadataJournal(device, extent, report) : null;
        return report.Error;
    }

    /// <summary>Starts an empty transaction.</summary>
    public IMetadataTransaction Begin() => new MetadataTransaction(this);

    /// <summary>
    /// Marks the journal clean (flush, header with the tail at the head, flush) so the next mount has nothing to
    /// replay. Later commits fail with EROFS. Returns OK or the device error.
    /// </summary>
    public Errno Unmount()
    {
        using var turn = TakeTurn();
        if (_unmounted) return Errno.OK;
        if (!_withdrawn.IsOk) return Errno.EIO;
        var err = _device.Flush();
        if (err.IsOk) err = WriteHeaderLocked();
        _unmounted = true;
        return err;
    }

    /// <inheritdoc/>
    public Errno Checkpoint()
    {
        using var turn = TakeTurn();
        if (_unmounted || _head == _headerTail) return Errno.OK;
        if (!_withdrawn.IsOk) return Errno.EIO;
        // The flush makes the last transaction's in-place writes durable; then the tail may move to the head.
        var err = _device.Flush();
        if (err.IsOk) err = WriteHeaderLocked();
        if (!err.IsOk) _withdrawn = err;
        return err;
    }

    internal void CheckLoggable(long block, int imageLength)
    {
        if (imageLength != _extent.BlockSize)
            throw new ArgumentException($"a logged image must be one block ({_extent.BlockSize} bytes), got {imageLength}", nameof(imageLength));
        if (block < 0 || block >= _device.Size / _extent.BlockSize)
            throw new ArgumentOutOfRangeException(nameof(block), block, "block is outside the device");
        if (_extent.Contains(block))
            throw new ArgumentException($"block {block} lies inside the journal extent", nameof(block));
    }

    /// <summary>
    /// Commits <paramref name="txn"/>. Results: OK (durable and written in place); EFBIG when it cannot fit the
    /// log even when empty (nothing written); EROFS after <see cref="Unmount"/>; EIO or another device error
    /// (the journal withdraws; if the error came after the commit block was flushed, the transaction is
    /// committed and replay at the next mount writes it in place).
    /// </summary>
    internal Errno Commit(MetadataTransaction txn)
    {
        using var turn = TakeTurn();
        if (_unmounted) return Errno.EROFS;
        if (!_withdrawn.IsOk) return Errno.EIO;
        int n = txn.Blocks.Count;
        long total = n == 0 ? 0 : BlocksFor(n);
        if (total > _extent.LogBlocks - 1) return Errno.EFBIG;

        var err = _device.Flush();
        if (err.IsOk && n > 0) err = CommitBlocksLocked(txn, total);
        if (!err.IsOk) _withdrawn = err;
        return err;
    }

    private Errno CommitBlocksLocked(MetadataTransaction txn, long total)
    {
        long logBlocks = _extent.LogBlocks;
        long used = (_head - _headerTail + logBlocks) % logBlocks;
        // Keep one block free so head == tail always means "empty"; the flush above already made every earlier
        // transaction durable in place, so the tail may jump to the head.
        if (used + total >= logBlocks)
        {
            var herr = WriteHeaderLocked();
            if (!herr.IsOk) return herr;
        }

        int bs = _extent.BlockSize;
        long bytes = total * bs;
        if (_logBuffer.Length < bytes) _logBuffer = new byte[Math.Max(bytes, _logBuffer.Length * 2L)];
        var log = _logBuffer.AsSpan(0, checked((int)bytes));
        ulong seq = _nextSequence;
        uint crc = 0;
        int at = 0;
        var blocks = txn.Blocks;
        for (int first = 0; first < blocks.Count; first += _perDescriptor)
        {
            int count = Math.Min(_perDescriptor, blocks.Count - first);
            var descriptor = log.Slice(at * bs, bs);
            JournalLayout.WriteCommon(descriptor, JournalLayout.TypeDescriptor, seq, _journalId);
            JournalLayout.SetDescriptorCount(descriptor, count);
            for (int k = 0; k < count; k++)
            {
                var image = log.Slice((at + 1 + k) * bs, bs);
                txn.Image(blocks[first + k]).CopyTo(image);
                bool escape = JournalLayout.NeedsEscape(image);
                if (escape) JournalLayout.Escape(image);
                JournalLayout.WriteEntry(descriptor, k, blocks[first + k], escape ? JournalLayout.EntryEscaped : 0);
            }
            JournalLayout.Seal(descriptor);
            for (int k = 0; k <= count; k++) crc = JournalLayout.ChainCrc(crc, log.Slice((at + k) * bs, bs));
            at += 1 + count;
        }
        // Every earlier transaction is durable in place (flushed above), so replay may start at this one.
        JournalLayout.WriteCommit(log.Slice(at * bs, bs), seq, _journalId, _head, at, crc, _head, seq);

        long firstPart = Math.Min(total, logBlocks - _head);
        var err = _device.Write(_extent.LogOffset(_head), log[..checked((int)(firstPart * bs))]);
        if (err.IsOk && firstPart < total) err = _device.Write(_extent.LogOffset(0), log[checked((int)(firstPart * bs))..]);
        if (err.IsOk) err = _device.Flush();
        if (!err.IsOk) return err;
        _head = (_head + total) % logBlocks;
        _nextSequence++;

        // Checkpoint: the next commit's first flush makes these durable before its commit block can be.
        foreach (long block in blocks)
        {
            err = _device.Write(block * bs, txn.Image(block));
            if (!err.IsOk) return err;
        }
        return Errno.OK;
    }

    /// <summary>Writes a header with the tail at the head into the other slot and flushes. Caller holds the turn and
    /// has flushed, so every transaction before the head is durable in place.</summary>
    private Errno WriteHeaderLocked()
    {
        var buf = new byte[_extent.BlockSize];
        var header = new JournalHeader(_journalId, JournalLayout.FormatVersion, _extent.BlockSize, _extent.LogBlocks,
            _extent.StartOffset, _head, _nextSequence, _headerGeneration);
        JournalLayout.WriteHeader(buf, header);
        var err = _device.Write(_extent.HeaderOffset(_headerSlot), buf);
        if (err.IsOk) err = _device.Flush();
        if (!err.IsOk) return err;
        _headerTail = _head;
        _headerGeneration++;
        _headerSlot = 1 - _headerSlot;
        return Errno.OK;
    }

    private long BlocksFor(long images) => (images + _perDescriptor - 1) / _perDescriptor + images + 1;

    /// <summary>Waits for this caller's turn (FIFO in call order); disposing the result passes the turn on.</summary>
    private Turn TakeTurn()
    {
        lock (_commitLock)
        {
            long ticket = _nextTicket++;
            while (ticket != _nowServing) Monitor.Wait(_commitLock);
        }
        return new Turn(this);
    }

    private void EndTurn()
    {
        lock (_commitLock)
        {
            _nowServing++;
            Monitor.PulseAll(_commitLock);
        }
    }

    private readonly struct Turn(MetadataJournal journal) : IDisposable
    {
        public void Dispose() => journal.EndTurn();
    }
}
