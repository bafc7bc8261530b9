using System.Buffers.Binary;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

/// <summary>The 32-byte header every metadata block starts with: magic, type, generation, self block
/// number and a CRC32C of the block (docs/ondisk-format.md).</summary>
public static class MetaHeader
{
    public const uint Magic = 0x3153_4643; // "CFS1"
    public const int Size = 32;
    private const int TypeOffset = 4, GenerationOffset = 8, SelfOffset = 16, CrcOffset = 24;

    /// <summary>Clears <paramref name="block"/> and writes a fresh header of <paramref name="type"/> (generation 0, unsealed).</summary>
    public static void Init(Span<byte> block, BlockType type, long self)
    {
        block.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(block, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(block[TypeOffset..], (ushort)type);
        BinaryPrimitives.WriteInt64LittleEndian(block[SelfOffset..], self);
    }

    /// <summary>The type recorded in the header (no verification).</summary>
    public static BlockType TypeOf(ReadOnlySpan<byte> block) => (BlockType)BinaryPrimitives.ReadUInt16LittleEndian(block[TypeOffset..]);

    /// <summary>The generation recorded in the header.</summary>
    public static long Generation(ReadOnlySpan<byte> block) => BinaryPrimitives.ReadInt64LittleEndian(block[GenerationOffset..]);

    /// <summary>Bumps the generation, sets the self block number and stores the checksum: the last step before a block image is logged.</summary>
    public static void Seal(Span<byte> block, long self)
    {
        BinaryPrimitives.WriteInt64LittleEndian(block[GenerationOffset..], Generation(block) + 1);
        BinaryPrimitives.WriteInt64LittleEndian(block[SelfOffset..], self);
        BinaryPrimitives.WriteUInt32LittleEndian(block[CrcOffset..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(block[CrcOffset..], Checksum.Crc32C(block));
    }

    /// <summary>Stores the checksum only (for a block whose generation the caller already set).</summary>
    public static void Reseal(Span<byte> block)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(block[CrcOffset..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(block[CrcOffset..], Checksum.Crc32C(block));
    }

    /// <summary>
    /// Checks magic, type (unless <paramref name="expected"/> is <see cref="BlockType.None"/>), self number and
    /// checksum. Returns OK, or EUCLEAN with <paramref name="problem"/> naming the block and the fault.
    /// </summary>
    public static Errno Verify(ReadOnlySpan<byte> block, long self, BlockType expected, out string? problem)
    {
        if (block.Length < Size) { problem = $"block {self}: shorter than a header"; return Errno.EUCLEAN; }
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(block);
        if (magic != Magic) { problem = $"block {self}: bad magic 0x{magic:x8} (expected {expected} block)"; return Errno.EUCLEAN; }
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(block[CrcOffset..]);
        if (stored != CrcWithZeroField(block))
        {
            problem = $"block {self}: checksum mismatch in {TypeOf(block)} block (stored 0x{stored:x8})";
            return Errno.EUCLEAN;
        }
        var type = TypeOf(block);
        if (expected != BlockType.None && type != expected)
        {
            problem = $"block {self}: is a {type} block, expected {expected}";
            return Errno.EUCLEAN;
        }
        long recorded = BinaryPrimitives.ReadInt64LittleEndian(block[SelfOffset..]);
        if (recorded != self) { problem = $"block {self}: header says it is block {recorded} (misdirected write)"; return Errno.EUCLEAN; }
        problem = null;
        return Errno.OK;
    }

    private static uint CrcWithZeroField(ReadOnlySpan<byte> block)
    {
        // CRC32C is linear, but the simplest correct way is to checksum the three parts around a zeroed field.
        Span<byte> zero = stackalloc byte[4];
        zero.Clear();
        uint crc = ~Checksum.Crc32C(block[..CrcOffset]);
        crc = ~Checksum.Crc32C(zero, crc);
        return Checksum.Crc32C(block[(CrcOffset + 4)..], crc);
    }
}
