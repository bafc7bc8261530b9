using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Iov.Tests.Mm;

/// <summary>
/// User copies over frames whose backing storage is laid out on purpose: some virtual neighbours are
/// adjacent slices of one array (the access loop moves them as one run), some are the same array in
/// another order or gaps apart, some have an array of their own. Whatever the layout, a copy must move
/// exactly the accessible prefix, byte for byte, and touch nothing else in any backing array.
/// </summary>
public sealed class CoalescedCopyProperties
{
    private const int P = Page.Size;
    private const ulong Base = 0x7000_0000;
    private static readonly Config s_config = Config.QuickThrowOnFailure.WithMaxTest(500);

    /// <summary>How a virtual page is mapped: read-write, read-only, or not at all.</summary>
    private enum Access { ReadWrite, ReadOnly, Unmapped }

    /// <summary>A layout: per virtual page its access and its backing slot (-1: an array of its own;
    /// otherwise the slot in one shared array), then the copy: offset, length, direction.</summary>
    private sealed record Case(Access[] Accesses, int[] Slots, int Offset, int Length, bool ToUser);

    private static readonly Gen<Case> s_cases =
        from n in Gen.Choose(1, 8)
        from accesses in Gen.ArrayOf(Gen.Frequency(
            (6, Gen.Constant(Access.ReadWrite)), (1, Gen.Constant(Access.ReadOnly)), (1, Gen.Constant(Access.Unmapped))), n)
        from order in Gen.Elements(Order.Contiguous, Order.Reversed, Order.Gapped, Order.Shuffled)
        from shuffled in Gen.Shuffle(Enumerable.Range(0, 2 * n + 2).ToArray())
        from own in Gen.ArrayOf(Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true))), n)
        from offset in Gen.Choose(0, n * P - 1)
        from length in Gen.Choose(0, n * P - offset + P)
        from toUser in Gen.Elements(true, false)
        select new Case(accesses, Enumerable.Range(0, n).Select(i => own[i] ? -1 : order switch
        {
            Order.Contiguous => i + 1, // slot 0 stays a guard before the run
            Order.Reversed => n - i,
            Order.Gapped => 2 * i + 1,
            _ => shuffled[i],
        }).ToArray(), offset, length, toUser);

    /// <summary>How virtual neighbours are placed in the shared array (slots are always distinct).</summary>
    private enum Order { Contiguous, Reversed, Gapped, Shuffled }

    [Fact]
    public void ACopyOverAnyFrameLayoutMovesExactlyTheAccessiblePrefixAndNothingElse()
    {
        Check.One(s_config, Prop.ForAll(s_cases.ToArbitrary(), c =>
        {
            int n = c.Accesses.Length;
            var shared = Pattern(new byte[(2 * n + 2) * P], 1);
            var before = shared.ToArray();
            var frames = new Page[n];
            var own = new byte[n][];
            using var mm = new AddressSpace();
            for (int i = 0; i < n; i++)
            {
                own[i] = Pattern(new byte[P], i + 2);
                frames[i] = c.Slots[i] < 0 ? new Page(own[i]) : new Page(shared, c.Slots[i] * P);
                if (c.Accesses[i] == Access.Unmapped) continue;
                var prot = c.Accesses[i] == Access.ReadWrite ? Prot.Read | Prot.Write : Prot.Read;
                long r = mm.MmapFrames(Base + (ulong)(i * P), [frames[i]], prot, MapFlags.Shared | MapFlags.Fixed, pfnMap: true);
                if (r != (long)(Base + (ulong)(i * P))) throw new InvalidOperationException($"mmap failed: {r}");
            }
            var ownBefore = own.Select(a => a.ToArray()).ToArray();
            var userBefore = new byte[n * P]; // what each virtual page held before the copy
            for (int i = 0; i < n; i++) frames[i].Span.CopyTo(userBefore.AsSpan(i * P));

            // The model: the copy stops at the first page that does not allow the access.
            long prefix = 0;
            for (long pos = c.Offset; pos < c.Offset + c.Length; pos = (pos / P + 1) * P)
            {
                int page = (int)(pos / P);
                bool ok = page < n && (c.ToUser ? c.Accesses[page] == Access.ReadWrite : c.Accesses[page] != Access.Unmapped);
                if (!ok) break;
                prefix = Math.Min((pos / P + 1) * P, c.Offset + c.Length) - c.Offset;
            }

            var buffer = Pattern(new byte[c.Length], 99);
            var bufferBefore = buffer.ToArray();
            long left;
            using (Faults.Disable())
                left = c.ToUser ? mm.CopyToUser(Base + (ulong)c.Offset, buffer) : mm.CopyFromUser(Base + (ulong)c.Offset, buffer);
            if (left != c.Length - prefix) return false;

            // Expected user bytes after the copy, and from them every backing array: a frame holds its
            // virtual page's bytes, every slot or array no page uses is unchanged.
            var userAfter = userBefore.ToArray();
            if (c.ToUser) bufferBefore.AsSpan(0, (int)prefix).CopyTo(userAfter.AsSpan(c.Offset));
            var sharedAfter = before.ToArray();
            var ownAfter = ownBefore.Select(x => x.ToArray()).ToArray();
            for (int i = 0; i < n; i++)
                userAfter.AsSpan(i * P, P).CopyTo(c.Slots[i] < 0 ? ownAfter[i] : sharedAfter.AsSpan(c.Slots[i] * P, P));
            if (!shared.AsSpan().SequenceEqual(sharedAfter)) return false;
            for (int i = 0; i < n; i++)
                if (!own[i].AsSpan().SequenceEqual(ownAfter[i])) return false;
            if (c.ToUser) return buffer.AsSpan().SequenceEqual(bufferBefore);
            return buffer.AsSpan(0, (int)prefix).SequenceEqual(userBefore.AsSpan(c.Offset, (int)prefix))
                && buffer.AsSpan((int)prefix).SequenceEqual(bufferBefore.AsSpan((int)prefix));
        }));
    }

    private static byte[] Pattern(byte[] bytes, int seed)
    {
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
