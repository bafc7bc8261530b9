using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Iov.Tests.Mm;

public sealed class MmProperties
{
    private const int P = Page.Size;
    private static readonly Config s_config = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly Gen<PageKind[]> s_layouts =
        from n in Gen.Choose(1, 6)
        from kinds in Gen.ArrayOf(Gen.Elements(Enum.GetValues<PageKind>()), n)
        select kinds;

    /// <summary>A layout plus an access range inside (or just past) it, and whether faults are enabled.</summary>
    private static readonly Gen<(PageKind[] Kinds, int Offset, int Length, bool Faults)> s_accesses =
        from kinds in s_layouts
        from offset in Gen.Choose(0, kinds.Length * P - 1)
        from length in Gen.Choose(0, kinds.Length * P - offset + P)
        from faults in Gen.Elements(true, false)
        select (kinds, offset, length, faults);

    private static long WithFaults(bool faults, Func<long> access)
    {
        if (faults) return access();
        using (Faults.Disable()) return access();
    }

    [Fact]
    public void ACopyFromUserCopiesExactlyTheReadablePrefixAndLeavesTheRestOfTheBuffer()
    {
        Check.One(s_config, Prop.ForAll(s_accesses.ToArbitrary(), a =>
        {
            using var layout = new PageLayout(a.Kinds);
            var buf = Enumerable.Repeat((byte)0xC5, a.Length).ToArray();
            long left = WithFaults(a.Faults, () => layout.Mm.CopyFromUser(PageLayout.Base + (ulong)a.Offset, buf));
            long copied = layout.AccessiblePrefix(a.Offset, a.Length, k => PageLayout.Readable(k, a.Faults));
            if (left != a.Length - copied) return false;
            for (int i = 0; i < a.Length; i++)
                if (buf[i] != (i < copied ? layout.Expected[a.Offset + i] : 0xC5)) return false;
            return true;
        }));
    }

    [Fact]
    public void ACopyToUserWritesExactlyTheWritablePrefix()
    {
        Check.One(s_config, Prop.ForAll(s_accesses.ToArbitrary(), a =>
        {
            using var layout = new PageLayout(a.Kinds);
            var data = Enumerable.Range(0, a.Length).Select(i => (byte)(i * 11 + 5)).ToArray();
            long left = WithFaults(a.Faults, () => layout.Mm.CopyToUser(PageLayout.Base + (ulong)a.Offset, data));
            long copied = layout.AccessiblePrefix(a.Offset, a.Length, k => PageLayout.Writable(k, a.Faults));
            if (left != a.Length - copied) return false;
            var back = new byte[copied];
            return layout.Mm.CopyFromUser(PageLayout.Base + (ulong)a.Offset, back) == 0 && back.AsSpan().SequenceEqual(data.AsSpan(0, (int)copied));
        }));
    }

    [Fact]
    public void FaultInLeftoverEqualsTheModelsInaccessibleSuffix()
    {
        var gen = from a in s_accesses from op in Gen.Choose(0, 2) select (a, op);
        Check.One(s_config, Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (a, op) = t;
            using var layout = new PageLayout(a.Kinds);
            ulong addr = PageLayout.Base + (ulong)a.Offset;
            long left = WithFaults(a.Faults, () => op switch
            {
                0 => FaultIn.Readable(layout.Mm, addr, a.Length),
                1 => FaultIn.Writeable(layout.Mm, addr, a.Length),
                _ => FaultIn.SafeWriteable(layout.Mm, addr, a.Length),
            });
            Func<PageKind, bool> ok = op == 0 ? k => PageLayout.Readable(k, a.Faults) : k => PageLayout.Writable(k, a.Faults);
            return left == layout.FaultInLeftover(a.Offset, a.Length, ok);
        }));
    }

    [Fact]
    public void AfterSafeWriteableANoFaultCopyGetsExactlyAsFarAsTheFaultIn()
    {
        Check.One(s_config, Prop.ForAll(s_accesses.ToArbitrary(), a =>
        {
            using var layout = new PageLayout(a.Kinds);
            ulong addr = PageLayout.Base + (ulong)a.Offset;
            long notFaulted = FaultIn.SafeWriteable(layout.Mm, addr, a.Length);
            long left;
            using (Faults.Disable()) left = layout.Mm.CopyToUser(addr, new byte[a.Length]);
            // Everything before the failing probe is now resident and writable; the failing page is not.
            return left == notFaulted;
        }));
    }

    [Fact]
    public void GupGetsExactlyTheModelsPrefixAndNeverANegativeCountWithFastOnly()
    {
        var flagsGen = Gen.Elements(GupFlags.None, GupFlags.Write, GupFlags.NoFault, GupFlags.NoFault | GupFlags.Write,
            GupFlags.FastOnly, GupFlags.FastOnly | GupFlags.Write, GupFlags.Pin | GupFlags.Write, GupFlags.Pin | GupFlags.NoFault);
        var gen = from kinds in s_layouts
                  from first in Gen.Choose(0, kinds.Length - 1)
                  from n in Gen.Choose(1, kinds.Length - first + 1)
                  from flags in flagsGen
                  select (kinds, first, n, flags);
        Check.One(s_config, Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (kinds, first, n, flags) = t;
            using var layout = new PageLayout(kinds);
            var pages = new Page[n];
            long got = layout.Mm.GetUserPages(PageLayout.Base + (ulong)(first * P), n, flags, pages);
            int expected = 0;
            while (expected < n && first + expected < kinds.Length && PageLayout.GupGets(kinds[first + expected], flags)) expected++;
            long want = expected > 0 ? expected : (flags & GupFlags.FastOnly) != 0 ? 0 : -14;
            if (got != want) return false;
            if (got > 0)
            {
                bool pinned = (flags & GupFlags.Pin) != 0;
                if (pages.Take((int)got).Any(p => p is null || (pinned && p.PinCount == 0))) return false;
                AddressSpace.ReleasePages(pages.AsSpan(0, (int)got), flags);
            }
            return true;
        }));
    }
}
