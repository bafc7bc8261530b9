using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Journal;

/// <summary>
/// Journal recovery. Scans the log from the header's tail, verifying each transaction (descriptor and commit
/// CRCs, sequence numbers, the commit's CRC over every descriptor and image), stops at the first incomplete or
/// torn one, writes the committed images in place, flushes, and marks the journal clean. The same function
/// replays a node's own journal at mount and a dead node's journal during recovery: the caller passes that
/// journal's extent and must hold that journal's glock (EX) throughout.
/// </summary>
public static class JournalReplay
{
    /// <summary>
    /// Replays the journal in <paramref name="extent"/> if it is dirty, then marks it clean (writes a header whose
    /// tail is the end of the log and flushes). Idempotent: replaying again, or after a crash during replay, is safe.
    /// <paramref name="journalLockHeld"/> is the recovery hook: it is asked before the in-place writes and before
    /// the header write and must return true only while the caller still holds the journal's glock (a node
    /// that lost it must not write; the replay then stops with ENOLCK).
    /// </summary>
    /// <returns>The report; on a corrupt journal (EUCLEAN) nothing has been written.</returns>
    public static ReplayReport Replay(IBlockDevice device, JournalLocation extent, Func<bool> journalLockHeld)
    {
        ArgumentNullException.ThrowIfNull(journalLockHeld);
        return Run(device, extent, journalLockHeld);
    }

    /// <summary>Reads and verifies the journal without writing anything (for fsck -n and tests): reports whether it
    /// is dirty and what a replay would write.</summary>
    public static ReplayReport Inspect(IBlockDevice device, JournalLocation extent) => Run(device, extent, journalLockHeld: null);

    private static ReplayReport Run(IBlockDevice device, JournalLocation extent, Func<bool>? journalLockHeld)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (extent.Validate(device) is { } bad) return ReplayReport.Failed(Errno.EINVAL, bad);
        var buf = new byte[extent.BlockSize];

        var headerResult = ReadBestHeader(device, extent, buf, out var header, out int slot);
        if (headerResult is not null) return headerResult;

        long logBlocks = extent.LogBlocks;
        var found = new List<ScannedTransaction>();
        long pos = header.TailPosition;
        ulong seq = header.TailSequence;
        long scanned = 0;
        while (true)
        {
            // One block always stays free between head and tail, so a full lap can never look valid.
            var err = TryReadTransaction(device, extent, header.JournalId, pos, seq, logBlocks - 1 - scanned, buf, out var txn);
            if (!err.IsOk) return ReplayReport.Failed(err, $"journal at byte {extent.StartOffset}: read error while scanning the log at position {pos}");
            if (txn is null) break;
            found.Add(txn);
            scanned += txn.Blocks;
            pos = (pos + txn.Blocks) % logBlocks;
            seq++;
        }

        // Every transaction before the last one's recorded tail is known to be durable in place: replay from there.
        int first = 0;
        if (found.Count > 0)
        {
            var last = found[^1];
            int at = found.FindIndex(t => t.Start == last.RecordedTailPosition && t.Sequence == last.RecordedTailSequence);
            if (at >= 0) first = at;
        }
        int blocks = 0;
        for (int t = first; t < found.Count; t++)
        {
            foreach (var e in found[t].Entries)
            {
                if (e.Home < 0 || e.Home >= device.Size / extent.BlockSize || extent.Contains(e.Home))
                    return ReplayReport.Failed(Errno.EUCLEAN, $"journal block {JournalLocation.HeaderSlots + e.LogPosition} (byte {extent.LogOffset(e.LogPosition)}): transaction {found[t].Sequence} logs home block {e.Home}, outside the device or inside the journal");
                blocks++;
            }
        }

        ulong lastSeq = seq - 1;
        // Skip one sequence number: a torn transaction may have used lastSeq + 1, and its leftovers must never
        // be taken for part of the next transaction written over them.
        ulong nextSeq = lastSeq + 2;
        var report = new ReplayReport
        {
            Error = Errno.OK,
            WasDirty = found.Count > 0,
            TransactionsFound = found.Count,
            TransactionsReplayed = found.Count - first,
            BlocksWritten = blocks,
            LastSequence = lastSeq,
            NextPosition = pos,
            NextSequence = nextSeq,
            JournalId = header.JournalId,
            HeaderGeneration = header.Generation + 1,
            HeaderSlot = 1 - slot,
        };
        if (journalLockHeld is null) return report;

        if (!journalLockHeld()) return ReplayReport.Failed(Errno.ENOLCK, $"journal at byte {extent.StartOffset}: journal lock lost before replay");
        for (int t = first; t < found.Count; t++)
        {
            foreach (var e in found[t].Entries)
            {
                var err = device.Read(extent.LogOffset(e.LogPosition), buf);
                if (err.IsOk)
                {
                    if (e.Escaped) JournalLayout.Unescape(buf);
                    err = device.Write(e.Home * extent.BlockSize, buf);
                }
                if (!err.IsOk) return ReplayReport.Failed(err, $"journal block {JournalLocation.HeaderSlots + e.LogPosition}: I/O error replaying home block {e.Home}");
            }
        }
        if (device.Flush() is { IsOk: false } flushErr) return ReplayReport.Failed(flushErr, $"journal at byte {extent.StartOffset}: flush after replay failed");

        if (!journalLockHeld()) return ReplayReport.Failed(Errno.ENOLCK, $"journal at byte {extent.StartOffset}: journal lock lost before marking it clean");
        var clean = header with { TailPosition = pos, TailSequence = nextSeq, Generation = report.HeaderGeneration };
        JournalLayout.WriteHeader(buf, clean);
        var werr = device.Write(extent.HeaderOffset(report.HeaderSlot), buf);
        if (werr.IsOk) werr = device.Flush();
        if (!werr.IsOk) return ReplayReport.Failed(werr, $"journal block {report.HeaderSlot} (byte {extent.HeaderOffset(report.HeaderSlot)}): writing the clean header failed");
        return report;
    }

    /// <summary>Picks the valid header slot with the higher generation. Returns null on success, else the failure.</summary>
    private static ReplayReport? ReadBestHeader(IBlockDevice device, JournalLocation extent, byte[] buf, out JournalHeader best, out int bestSlot)
    {
        best = default;
        bestSlot = -1;
        string? mismatch = null;
        for (int s = 0; s < JournalLocation.HeaderSlots; s++)
        {
            var err = device.Read(extent.HeaderOffset(s), buf);
            if (!err.IsOk) continue; // the other slot may still be readable
            if (JournalLayout.ReadHeader(buf) is not { } h) continue;
            if (h.Version != JournalLayout.FormatVersion || h.BlockSize != extent.BlockSize || h.LogBlocks != extent.LogBlocks
                || h.StartOffset != extent.StartOffset || h.TailPosition < 0 || h.TailPosition >= extent.LogBlocks)
            {
                mismatch = $"journal block {s} (byte {extent.HeaderOffset(s)}): header version {h.Version}, block size {h.BlockSize}, log {h.LogBlocks} blocks at byte {h.StartOffset}, tail {h.TailPosition} do not match the extent (block size {extent.BlockSize}, log {extent.LogBlocks} blocks at byte {extent.StartOffset})";
                continue;
            }
            if (bestSlot < 0 || h.Generation > best.Generation)
            {
                best = h;
                bestSlot = s;
            }
        }
        if (bestSlot >= 0) return null;
        return ReplayReport.Failed(Errno.EUCLEAN, mismatch
            ?? $"journal blocks 0 and 1 (bytes {extent.HeaderOffset(0)} and {extent.HeaderOffset(1)}): no valid journal header (bad magic or checksum, or unreadable)");
    }

    /// <summary>Reads the transaction that should start at <paramref name="pos"/> with <paramref name="seq"/>.
    /// <paramref name="txn"/> is null when it is absent, incomplete, torn or stale. The result is a device error only.</summary>
    private static Errno TryReadTransaction(IBlockDevice device, JournalLocation extent, ulong journalId, long pos, ulong seq,
        long maxBlocks, byte[] buf, out ScannedTransaction? txn)
    {
        txn = null;
        int perDescriptor = JournalLayout.EntriesPerDescriptor(extent.BlockSize);
        var image = new byte[extent.BlockSize];
        var entries = new List<LoggedBlock>();
        uint crc = 0;
        long i = 0;
        while (i + 1 <= maxBlocks)
        {
            var err = device.Read(extent.LogOffset(pos + i), buf);
            if (!err.IsOk) return err;
            if (JournalLayout.IsValid(buf, JournalLayout.TypeDescriptor, journalId) && JournalLayout.Sequence(buf) == seq)
            {
                int count = JournalLayout.DescriptorCount(buf);
                if (count <= 0 || count > perDescriptor || i + 1 + count + 1 > maxBlocks) return Errno.OK;
                crc = JournalLayout.ChainCrc(crc, buf);
                for (int k = 0; k < count; k++)
                {
                    var (home, flags) = JournalLayout.ReadEntry(buf, k);
                    long logPos = (pos + i + 1 + k) % extent.LogBlocks;
                    err = device.Read(extent.LogOffset(logPos), image);
                    if (!err.IsOk) return err;
                    crc = JournalLayout.ChainCrc(crc, image);
                    entries.Add(new LoggedBlock(home, logPos, (flags & JournalLayout.EntryEscaped) != 0));
                }
                i += 1 + count;
                continue;
            }
            if (i > 0 && JournalLayout.IsValid(buf, JournalLayout.TypeCommit, journalId) && JournalLayout.Sequence(buf) == seq)
            {
                var c = JournalLayout.ReadCommit(buf);
                if (c.StartPos == pos && c.BlockCount == i && c.TxnCrc == crc)
                    txn = new ScannedTransaction(pos, seq, checked((int)(i + 1)), c.RecordedTailPos, c.RecordedTailSeq, entries);
            }
            return Errno.OK;
        }
        return Errno.OK;
    }

    private readonly record struct LoggedBlock(long Home, long LogPosition, bool Escaped);

    private sealed record ScannedTransaction(long Start, ulong Sequence, int Blocks, long RecordedTailPosition,
        ulong RecordedTailSequence, List<LoggedBlock> Entries);
}
