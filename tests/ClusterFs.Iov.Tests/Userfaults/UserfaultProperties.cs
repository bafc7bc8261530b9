using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Userfaults;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Iov.Tests.Userfaults;

public sealed class UserfaultProperties
{
    private const int P = Page.Size;
    private const ulong Base = UserfaultFixture.Base;
    private const int Pages = UserfaultFixture.Pages;

    private sealed record Fill(bool Zero, int First, int Count);

    [Fact]
    public void FillsPopulateExactlyTheMissingPrefixAndReportTheLinuxResult()
    {
        var fills = from zero in Gen.Elements(true, false)
                    from first in Gen.Choose(0, Pages - 1)
                    from count in Gen.Choose(1, Pages + 2 - first)
                    select new Fill(zero, first, count);
        var gen = Gen.ArrayOf(fills).Select(a => a.Take(12).ToArray());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(gen.ToArbitrary(), ops =>
        {
            using var f = new UserfaultFixture();
            var filled = new byte?[Pages]; // null: missing; 0: zero page; else the copied byte
            byte next = 1;
            foreach (var op in ops)
            {
                // Model: pages are filled in order until one is present (EEXIST) or outside the registration (ENOENT).
                int done = 0;
                var stop = Errno.OK;
                for (int p = op.First; p < op.First + op.Count; p++)
                {
                    if (p >= Pages) { stop = Errno.ENOENT; break; }
                    if (filled[p] is not null) { stop = Errno.EEXIST; break; }
                    done++;
                }
                var expected = done == op.Count ? Errno.OK : done > 0 ? Errno.EAGAIN : stop;
                ulong addr = Base + (ulong)(op.First * P);
                long result;
                Errno r = op.Zero
                    ? f.Ctx.ZeroPage(addr, (long)op.Count * P, UserfaultCopyModes.None, out result)
                    : f.Ctx.Copy(addr, UserfaultFixture.Filled(next, op.Count), UserfaultCopyModes.None, out result);
                if (r != expected || result != (done > 0 ? (long)done * P : stop.Negative)) return false;
                for (int p = op.First; p < op.First + done; p++) filled[p] = op.Zero ? (byte)0 : next;
                next++;
            }
            // Every filled page reads back its fill; missing pages stay unpopulated.
            var one = new byte[1];
            for (int p = 0; p < Pages; p++)
            {
                var pte = f.Mm.GetPte(Base + (ulong)(p * P));
                if (filled[p] is not { } value) { if (pte is not null) return false; continue; }
                if (pte is null || pte.Page!.IsZeroPage != (value == 0)) return false;
                if (f.Mm.CopyFromUser(Base + (ulong)(p * P), one) != 0 || one[0] != value) return false;
            }
            return true;
        }));
    }
}
