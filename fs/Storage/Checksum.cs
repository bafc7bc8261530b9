using System.Numerics;
using System.Runtime.InteropServices;

namespace ClusterFs.Fs.Storage;

/// <summary>CRC32C (Castagnoli) over metadata blocks, hardware-accelerated through BitOperations.</summary>
public static class Checksum
{
    public static uint Crc32C(ReadOnlySpan<byte> data, uint seed = 0xFFFF_FFFF)
    {
        uint crc = seed;
        var longs = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong v in longs) crc = BitOperations.Crc32C(crc, v);
        for (int i = longs.Length * sizeof(ulong); i < data.Length; i++) crc = BitOperations.Crc32C(crc, data[i]);
        return ~crc;
    }
}
