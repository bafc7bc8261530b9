using System.Buffers.Binary;

namespace ClusterFs.Fs.Format;

/// <summary>Accessors for a resource group header block image (docs/ondisk-format.md).</summary>
internal readonly struct RgrpHeader(byte[] image)
{
    public byte[] Image => image;
    public int Index { get => I32(32); set => W32(32, value); }
    public long FirstDataBlock { get => BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(40)); set => BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(40), value); }
    public int DataBlocks { get => I32(48); set => W32(48, value); }
    public int Free { get => I32(52); set => W32(52, value); }
    public int Dinodes { get => I32(56); set => W32(56, value); }
    public int BitmapBlocks { get => I32(60); set => W32(60, value); }
    public int Unlinked { get => I32(64); set => W32(64, value); }

    private int I32(int off) => BinaryPrimitives.ReadInt32LittleEndian(image.AsSpan(off));
    private void W32(int off, int v) => BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(off), v);
}
