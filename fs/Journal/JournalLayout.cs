using System.Buffers.Binary;
using ClusterFs.Fs.Storage;

namespace ClusterFs.Fs.Journal;

/// <summary>
/// Byte layout of the journal's own blocks (docs/journal-format.md). Every such block starts with a 32-byte
/// common header: magic, type, sequence, journal id, CRC32C of the block (computed with the CRC field zero).
/// Little-endian throughout.
/// </summary>
internal static class JournalLayout
{
    public const uint Magic = 0x4A53_4643; // "CFSJ" on disk
    public const uint TypeHeader = 1;
    public const uint TypeDescriptor = 2;
    public const uint TypeCommit = 3;
    public const uint FormatVersion = 1;

    // Common header.
    private const int MagicAt = 0, TypeAt = 4, SequenceAt = 8, JournalIdAt = 16, CrcAt = 24;
    public const int CommonSize = 32;

    // Header block.
    private const int VersionAt = 32, BlockSizeAt = 36, LogBlocksAt = 40, TailPosAt = 48, GenerationAt = 56, StartOffsetAt = 64;

    // Descriptor block.
    private const int CountAt = 32;
    public const int FirstEntryAt = 40;
    public const int EntrySize = 16;
    public const uint EntryEscaped = 1;

    // Commit block.
    private const int StartPosAt = 32, BlockCountAt = 40, TxnCrcAt = 44, RecordedTailPosAt = 48, RecordedTailSeqAt = 56;

    /// <summary>Home blocks one descriptor can list.</summary>
    public static int EntriesPerDescriptor(int blockSize) => (blockSize - FirstEntryAt) / EntrySize;

    public static void WriteCommon(Span<byte> block, uint type, ulong sequence, ulong journalId)
    {
        block.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(block[MagicAt..], Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(block[TypeAt..], type);
        BinaryPrimitives.WriteUInt64LittleEndian(block[SequenceAt..], sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(block[JournalIdAt..], journalId);
    }

    /// <summary>Stores the block's CRC; call last, after every field is written.</summary>
    public static void Seal(Span<byte> block)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(block[CrcAt..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(block[CrcAt..], Checksum.Crc32C(block));
    }

    /// <summary>True when the block has our magic, <paramref name="type"/>, the journal id and a correct CRC.
    /// The block's CRC field is restored before returning.</summary>
    public static bool IsValid(Span<byte> block, uint type, ulong journalId)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(block[MagicAt..]) != Magic) return false;
        if (BinaryPrimitives.ReadUInt32LittleEndian(block[TypeAt..]) != type) return false;
        if (BinaryPrimitives.ReadUInt64LittleEndian(block[JournalIdAt..]) != journalId) return false;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(block[CrcAt..]);
        BinaryPrimitives.WriteUInt32LittleEndian(block[CrcAt..], 0);
        uint actual = Checksum.Crc32C(block);
        BinaryPrimitives.WriteUInt32LittleEndian(block[CrcAt..], stored);
        return stored == actual;
    }

    public static ulong Sequence(ReadOnlySpan<byte> block) => BinaryPrimitives.ReadUInt64LittleEndian(block[SequenceAt..]);

    public static ulong JournalId(ReadOnlySpan<byte> block) => BinaryPrimitives.ReadUInt64LittleEndian(block[JournalIdAt..]);

    /// <summary>True when a logged image would start like one of our blocks and must be escaped in the log.</summary>
    public static bool NeedsEscape(ReadOnlySpan<byte> image) => BinaryPrimitives.ReadUInt32LittleEndian(image) == Magic;

    public static void Escape(Span<byte> image) => BinaryPrimitives.WriteUInt32LittleEndian(image, 0);

    public static void Unescape(Span<byte> image) => BinaryPrimitives.WriteUInt32LittleEndian(image, Magic);

    public static void WriteHeader(Span<byte> block, in JournalHeader h)
    {
        WriteCommon(block, TypeHeader, h.TailSequence, h.JournalId);
        BinaryPrimitives.WriteUInt32LittleEndian(block[VersionAt..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(block[BlockSizeAt..], (uint)h.BlockSize);
        BinaryPrimitives.WriteUInt64LittleEndian(block[LogBlocksAt..], (ulong)h.LogBlocks);
        BinaryPrimitives.WriteUInt64LittleEndian(block[TailPosAt..], (ulong)h.TailPosition);
        BinaryPrimitives.WriteUInt64LittleEndian(block[GenerationAt..], h.Generation);
        BinaryPrimitives.WriteUInt64LittleEndian(block[StartOffsetAt..], (ulong)h.StartOffset);
        Seal(block);
    }

    /// <summary>Decodes a header block whose magic, type and CRC are valid (any journal id); null otherwise.</summary>
    public static JournalHeader? ReadHeader(Span<byte> block)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(block[MagicAt..]) != Magic) return null;
        if (!IsValid(block, TypeHeader, JournalId(block))) return null;
        return new JournalHeader(
            JournalId(block),
            BinaryPrimitives.ReadUInt32LittleEndian(block[VersionAt..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(block[BlockSizeAt..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(block[LogBlocksAt..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(block[StartOffsetAt..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(block[TailPosAt..]),
            Sequence(block),
            BinaryPrimitives.ReadUInt64LittleEndian(block[GenerationAt..]));
    }

    public static int DescriptorCount(ReadOnlySpan<byte> block) => (int)BinaryPrimitives.ReadUInt32LittleEndian(block[CountAt..]);

    public static void SetDescriptorCount(Span<byte> block, int count) => BinaryPrimitives.WriteUInt32LittleEndian(block[CountAt..], (uint)count);

    public static void WriteEntry(Span<byte> block, int index, long home, uint flags)
    {
        var e = block[(FirstEntryAt + index * EntrySize)..];
        BinaryPrimitives.WriteUInt64LittleEndian(e, (ulong)home);
        BinaryPrimitives.WriteUInt32LittleEndian(e[8..], flags);
    }

    public static (long Home, uint Flags) ReadEntry(ReadOnlySpan<byte> block, int index)
    {
        var e = block[(FirstEntryAt + index * EntrySize)..];
        return ((long)BinaryPrimitives.ReadUInt64LittleEndian(e), BinaryPrimitives.ReadUInt32LittleEndian(e[8..]));
    }

    public static void WriteCommit(Span<byte> block, ulong sequence, ulong journalId, long startPos, int blockCount,
        uint txnCrc, long recordedTailPos, ulong recordedTailSeq)
    {
        WriteCommon(block, TypeCommit, sequence, journalId);
        BinaryPrimitives.WriteUInt64LittleEndian(block[StartPosAt..], (ulong)startPos);
        BinaryPrimitives.WriteUInt32LittleEndian(block[BlockCountAt..], (uint)blockCount);
        BinaryPrimitives.WriteUInt32LittleEndian(block[TxnCrcAt..], txnCrc);
        BinaryPrimitives.WriteUInt64LittleEndian(block[RecordedTailPosAt..], (ulong)recordedTailPos);
        BinaryPrimitives.WriteUInt64LittleEndian(block[RecordedTailSeqAt..], recordedTailSeq);
        Seal(block);
    }

    public static (long StartPos, int BlockCount, uint TxnCrc, long RecordedTailPos, ulong RecordedTailSeq) ReadCommit(ReadOnlySpan<byte> block) =>
        ((long)BinaryPrimitives.ReadUInt64LittleEndian(block[StartPosAt..]),
         (int)BinaryPrimitives.ReadUInt32LittleEndian(block[BlockCountAt..]),
         BinaryPrimitives.ReadUInt32LittleEndian(block[TxnCrcAt..]),
         (long)BinaryPrimitives.ReadUInt64LittleEndian(block[RecordedTailPosAt..]),
         BinaryPrimitives.ReadUInt64LittleEndian(block[RecordedTailSeqAt..]));

    /// <summary>Continues a CRC32C over consecutive blocks: start with <c>crc = 0</c> for an empty chain.</summary>
    public static uint ChainCrc(uint crc, ReadOnlySpan<byte> block) => Checksum.Crc32C(block, ~crc);
}
