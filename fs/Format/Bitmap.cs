namespace ClusterFs.Fs.Format;

/// <summary>2-bit allocation states packed four to a byte after a bitmap block's header.</summary>
internal static class Bitmap
{
    public static BlockState Get(ReadOnlySpan<byte> image, int bit) =>
        (BlockState)((image[MetaHeader.Size + bit / 4] >> (2 * (bit % 4))) & 3);

    public static void Set(Span<byte> image, int bit, BlockState state)
    {
        ref byte b = ref image[MetaHeader.Size + bit / 4];
        int shift = 2 * (bit % 4);
        b = (byte)((b & ~(3 << shift)) | ((int)state << shift));
    }

    /// <summary>First free entry at or after <paramref name="from"/> and before <paramref name="limit"/>, or -1.</summary>
    public static int FindFree(ReadOnlySpan<byte> image, int from, int limit)
    {
        int i = from;
        while (i < limit)
        {
            if (i % 4 == 0 && i + 4 <= limit)
            {
                byte b = image[MetaHeader.Size + i / 4];
                // A pair is free when both its bits are 0: skip bytes with no such pair.
                if (((b | (b >> 1)) & 0x55) == 0x55) { i += 4; continue; }
            }
            if (Get(image, i) == BlockState.Free) return i;
            i++;
        }
        return -1;
    }
}
