using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tests.Iter;

namespace ClusterFs.Iov.Tests.Properties;

/// <summary>A user-memory layout drawn by the generators: a state per page, UBUF or IOVEC, whether page
/// faults are disabled for the operation, and a seed from which the segments are drawn.</summary>
internal sealed record UserCase(PageState[] States, bool Iovec, bool FaultsDisabled, int Seed)
{
    /// <summary>Segments inside the region (some run past its end into unmapped space). UBUF gets one.</summary>
    public Iovec[] Segments(UserMemory mem)
    {
        var rnd = new Random(Seed);
        int n = Iovec ? rnd.Next(0, 6) : 1;
        var segs = new Iovec[n];
        for (int k = 0; k < n; k++)
        {
            long off = rnd.NextInt64(mem.Length);
            long len = rnd.Next(4) == 0 ? 0 : rnd.NextInt64(1, 2 * Page.Size + 1);
            segs[k] = new Iovec(mem.Base + (ulong)off, len);
        }
        return segs;
    }

    public IovIter NewIter(UserMemory mem, IterDirection direction, Iovec[] segs) => Iovec
        ? IovIter.CreateIovec(direction, mem.Mm, segs)
        : IovIter.CreateUbuf(direction, mem.Mm, segs[0].Base, segs[0].Length);

    public override string ToString() =>
        $"{(Iovec ? "IOVEC" : "UBUF")} [{string.Join(",", States)}]{(FaultsDisabled ? " faults disabled" : "")} seed {Seed}";
}
