namespace ClusterFs.Fs.Format;

/// <summary>The 62-bit directory name hash (FNV-1a 64, splitmix64 finaliser, >> 2, values below 3 raised to 3
/// because 0..2 are the readdir cookies of start, '.' and '..').</summary>
public static class DirHash
{
    public const int Bits = 62;

    public static long Of(ReadOnlySpan<byte> name)
    {
        ulong h = 0xcbf29ce484222325;
        foreach (byte b in name) { h ^= b; h *= 0x100000001b3; }
        h ^= h >> 30; h *= 0xbf58476d1ce4e5b9;
        h ^= h >> 27; h *= 0x94d049bb133111eb;
        h ^= h >> 31;
        long v = (long)(h >> 2);
        return v < 3 ? 3 : v;
    }

    /// <summary>The hash table index of <paramref name="hash"/> in a table of depth <paramref name="depth"/>.</summary>
    public static long Index(long hash, int depth) => depth == 0 ? 0 : hash >> (Bits - depth);
}
