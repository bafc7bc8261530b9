using ClusterFs.Iov.Mm;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Iov.Tests.Mm;

/// <summary>Random mmap/munmap/mprotect/madvise/write sequences against a per-page model.</summary>
public sealed class LayoutModelProperties
{
    private const int P = Page.Size;
    private const int Pages = 16;
    private const ulong Base = 0x6000_0000;
    private static readonly Prot[] s_prots = [Prot.None, Prot.Read, Prot.Read | Prot.Write];

    private sealed record Op(int Kind, int First, int Count, Prot Prot, byte Value);

    private sealed class Model
    {
        public readonly bool[] Mapped = new bool[Pages];
        public readonly Prot[] Prot = new Prot[Pages];
        public readonly byte[] Value = new byte[Pages];
    }

    private static readonly Gen<Op> s_ops =
        from kind in Gen.Choose(0, 4)
        from first in Gen.Choose(0, Pages - 1)
        from count in Gen.Choose(1, Pages - first)
        from prot in Gen.Elements(s_prots)
        from value in Gen.Choose(1, 255)
        select new Op(kind, first, count, prot, (byte)value);

    [Fact]
    public void LayoutOperationsMatchAPerPageModelAndKeepVmasSortedAndDisjoint()
    {
        var gen = Gen.ArrayOf(s_ops).Select(a => a.Take(25).ToArray());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(gen.ToArbitrary(), ops =>
        {
            using var mm = new AddressSpace();
            var model = new Model();
            foreach (var op in ops)
            {
                if (!Apply(mm, model, op)) return false;
                if (!Consistent(mm, model)) return false;
            }
            return true;
        }));
    }

    private static bool Apply(AddressSpace mm, Model m, Op op)
    {
        ulong addr = Base + (ulong)(op.First * P);
        long len = (long)op.Count * P;
        var range = Enumerable.Range(op.First, op.Count);
        switch (op.Kind)
        {
            case 0:
                if (mm.Mmap(addr, len, op.Prot, MapFlags.Private | MapFlags.Fixed) != (long)addr) return false;
                foreach (int i in range) (m.Mapped[i], m.Prot[i], m.Value[i]) = (true, op.Prot, 0);
                return true;
            case 1:
                if (!mm.Munmap(addr, len).IsOk) return false;
                foreach (int i in range) m.Mapped[i] = false;
                return true;
            case 2:
            {
                var expected = Errno.OK;
                foreach (int i in range)
                {
                    if (!m.Mapped[i]) { expected = Errno.ENOMEM; break; }
                    m.Prot[i] = op.Prot;
                }
                return mm.Mprotect(addr, len, op.Prot) == expected;
            }
            case 3:
            {
                var expected = range.All(i => m.Mapped[i]) ? Errno.OK : Errno.ENOMEM;
                foreach (int i in range) if (m.Mapped[i]) m.Value[i] = 0;
                return mm.Madvise(addr, len, Advice.DontNeed) == expected;
            }
            default:
            {
                bool ok = m.Mapped[op.First] && (m.Prot[op.First] & Prot.Write) != 0;
                if (ok) m.Value[op.First] = op.Value;
                return mm.CopyToUser(addr, [op.Value]) == (ok ? 0 : 1);
            }
        }
    }

    private static bool Consistent(AddressSpace mm, Model m)
    {
        var vmas = mm.Vmas();
        for (int i = 1; i < vmas.Count; i++)
            if (vmas[i - 1].End > vmas[i].Start || vmas[i - 1].Start >= vmas[i - 1].End) return false;
        var one = new byte[1];
        for (int i = 0; i < Pages; i++)
        {
            ulong addr = Base + (ulong)(i * P);
            var vma = mm.FindVma(addr);
            if ((vma is not null) != m.Mapped[i]) return false;
            if (vma is null) continue;
            var prot = ((vma.Flags & VmaFlags.Read) != 0 ? Prot.Read : 0) | ((vma.Flags & VmaFlags.Write) != 0 ? Prot.Write : 0);
            if (prot != m.Prot[i]) return false;
            bool readable = m.Prot[i] != Prot.None;
            one[0] = 0xEE;
            if (mm.CopyFromUser(addr, one) != (readable ? 0 : 1)) return false;
            if (readable && one[0] != m.Value[i]) return false;
        }
        return true;
    }
}
