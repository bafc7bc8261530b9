using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.Tests.Iomap;

/// <summary>Byte patterns and user buffers for the direct-I/O tests.</summary>
public static class DioTestData
{
    public const int P = Page.Size;

    /// <summary>A deterministic, position-dependent pattern (no two nearby pages equal).</summary>
    public static byte[] Pattern(long start, int length, int seed = 1)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++)
        {
            long x = start + i;
            b[i] = (byte)(x * 31 + (x >> 12) * 7 + seed * 101);
        }
        return b;
    }

    /// <summary>An anonymous private read-write mapping, every page written (present, writable, not the
    /// zero page); filled with <paramref name="content"/> or zeroes.</summary>
    public static ulong MapPopulated(AddressSpace mm, long length, byte[]? content = null)
    {
        ulong addr = MapAbsent(mm, length);
        Assert.Equal(0, mm.CopyToUser(addr, content ?? new byte[length]));
        return addr;
    }

    /// <summary>An anonymous private read-write mapping never touched: every page faults on first access.</summary>
    public static ulong MapAbsent(AddressSpace mm, long length)
    {
        long addr = mm.Mmap(0, length, Prot.Read | Prot.Write, MapFlags.Private);
        Assert.True(addr > 0, $"mmap failed: {addr}");
        return (ulong)addr;
    }

    public static byte[] ReadUser(AddressSpace mm, ulong addr, int length)
    {
        var b = new byte[length];
        Assert.Equal(0, mm.CopyFromUser(addr, b));
        return b;
    }
}
