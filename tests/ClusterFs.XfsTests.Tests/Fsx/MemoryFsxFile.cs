using ClusterFs.XfsTests.Fsx;

namespace ClusterFs.XfsTests.Tests.Fsx;

/// <summary>
/// A correct in-memory file for fsx, with hooks to misbehave: corrupt the Nth read, ignore
/// truncates, or refuse fallocate modes with EOPNOTSUPP.
/// </summary>
internal sealed class MemoryFsxFile : IFsxFile
{
    private const int KeepSize = 1, PunchHole = 2, ZeroRange = 0x10, EOPNOTSUPP = 95;
    private byte[] _data = [];
    private int _reads;

    /// <summary>When set, the read with this 1-based number returns one flipped byte.</summary>
    public int CorruptRead { get; init; }
    public bool IgnoreTruncate { get; init; }
    public bool NoFallocate { get; init; }
    public int Reads => _reads;

    public long Read(long offset, Span<byte> dest)
    {
        int n = (int)Math.Clamp(_data.Length - offset, 0, dest.Length);
        _data.AsSpan((int)offset, n).CopyTo(dest);
        if (++_reads == CorruptRead && n > 0) dest[n / 2] ^= 0x40;
        return n;
    }

    public long Write(long offset, ReadOnlySpan<byte> src)
    {
        if (offset + src.Length > _data.Length) Array.Resize(ref _data, (int)offset + src.Length);
        src.CopyTo(_data.AsSpan((int)offset));
        return src.Length;
    }

    public long MapRead(long offset, Span<byte> dest) => Read(offset, dest);

    public long MapWrite(long offset, ReadOnlySpan<byte> src) =>
        offset + src.Length > _data.Length ? -7 /* E2BIG: mapping past EOF is a test bug */ : Write(offset, src);

    public long Truncate(long size)
    {
        if (!IgnoreTruncate) Array.Resize(ref _data, (int)size);
        return 0;
    }

    public long Fallocate(int mode, long offset, long length)
    {
        if (NoFallocate) return -EOPNOTSUPP;
        long end = offset + length;
        if ((mode & (PunchHole | ZeroRange)) != 0)
            _data.AsSpan((int)Math.Min(offset, _data.Length), (int)Math.Max(0, Math.Min(end, _data.Length) - offset)).Clear();
        if ((mode & KeepSize) == 0 && end > _data.Length) Array.Resize(ref _data, (int)end);
        return 0;
    }

    public long Size() => _data.Length;

    public long CloseOpen() => 0;

    public void Dispose() { }
}
