using System.Buffers.Binary;

namespace ClusterFs.Fs.Format;

/// <summary>One resource index entry: where a resource group's header, bitmaps and data blocks are.</summary>
public readonly record struct RindexEntry(long HeaderBlock, long FirstDataBlock, int DataBlocks, int BitmapBlocks)
{
    public const int Size = 32;

    /// <summary>Entries per rindex block.</summary>
    public static int PerBlock(int blockSize) => (blockSize - MetaHeader.Size) / Size;

    /// <summary>Data blocks one bitmap block describes (2 bits each).</summary>
    public static int BlocksPerBitmap(int blockSize) => (blockSize - MetaHeader.Size) * 4;

    public void Encode(Span<byte> at)
    {
        BinaryPrimitives.WriteInt64LittleEndian(at, HeaderBlock);
        BinaryPrimitives.WriteInt64LittleEndian(at[8..], FirstDataBlock);
        BinaryPrimitives.WriteInt32LittleEndian(at[16..], DataBlocks);
        BinaryPrimitives.WriteInt32LittleEndian(at[20..], BitmapBlocks);
        BinaryPrimitives.WriteInt64LittleEndian(at[24..], 0);
    }

    public static RindexEntry Decode(ReadOnlySpan<byte> at) => new(
        BinaryPrimitives.ReadInt64LittleEndian(at),
        BinaryPrimitives.ReadInt64LittleEndian(at[8..]),
        BinaryPrimitives.ReadInt32LittleEndian(at[16..]),
        BinaryPrimitives.ReadInt32LittleEndian(at[20..]));

    /// <summary>True when <paramref name="block"/> is one of this rgrp's data blocks.</summary>
    public bool ContainsData(long block) => block >= FirstDataBlock && block < FirstDataBlock + DataBlocks;
}
