using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Tests.Ported;

/// <summary>A filesystem that gets reads or seeks wrong every <c>Every</c>th call, in one of several ways.</summary>
internal sealed class ReadFaults(string kind, int every) : IPosixFaults
{
    private int _reads, _seeks;

    public long AfterRead(Span<byte> data, long result)
    {
        if (Interlocked.Increment(ref _reads) % every != 0 || data.Length == 0) return result;
        switch (kind)
        {
            case "flip": data[data.Length / 2] ^= 0x01; return result;
            case "short": return result - 1;
            default: return result;
        }
    }

    public long AfterLseek(int whence, long result)
    {
        if (kind != "seek" || whence != Posix.SEEK_HOLE || result < 0) return result;
        // A hole reported one page late: data would be skipped by a copy that trusts it.
        return Interlocked.Increment(ref _seeks) % every == 0 ? result + 4096 : result;
    }
}
