namespace ClusterFs.XfsTests.Common;

/// <summary>Deterministic data patterns, so a misplaced or stale block is recognisable.</summary>
public static class Pattern
{
    /// <summary>Fills <paramref name="buf"/> with bytes derived from <paramref name="seed"/> and the file offset.</summary>
    public static void Fill(Span<byte> buf, int seed, long fileOffset)
    {
        for (int i = 0; i < buf.Length; i++)
        {
            long x = (fileOffset + i) * 2654435761L + seed * 40503L;
            buf[i] = (byte)(x ^ (x >> 13));
        }
    }

    /// <summary>The pattern of <see cref="Fill"/> as a new array.</summary>
    public static byte[] Make(int length, int seed, long fileOffset = 0)
    {
        var b = new byte[length];
        Fill(b, seed, fileOffset);
        return b;
    }

    /// <summary>The first offset where <paramref name="a"/> and <paramref name="b"/> differ, or -1.</summary>
    public static int FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int n = a.CommonPrefixLength(b);
        return n == a.Length && n == b.Length ? -1 : n;
    }
}
