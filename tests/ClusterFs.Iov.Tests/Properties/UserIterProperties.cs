using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;
using ClusterFs.Iov.Tests.Iter;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Iov.Tests.Properties;

/// <summary>
/// Invariants of UBUF and IOVEC iterators over a real <see cref="AddressSpace"/> whose pages are
/// resident, untouched, unmapped or read-only at random, each checked on 500 random layouts.
/// </summary>
public class UserIterProperties
{
    private const int P = Page.Size;

    [Fact]
    public void CopyTo_copies_exactly_the_accessible_prefix_and_advances_by_it()
    {
        PropCheck.Run(Prop.ForAll(IterGens.UserArb(), c =>
        {
            using var mem = UserMemory.Create(c.States, c.Seed);
            var segs = c.Segments(mem);
            var it = c.NewIter(mem, IterDirection.Dest, segs);
            var rnd = new Random(c.Seed);
            var src = SegmentedBuffer.Pattern(rnd.Next(0, 3 * P), c.Seed + 1);
            long count = it.Count;
            var expectedMemory = (byte[])mem.Model.Clone();
            long expected = WalkModel(segs, src.Length, (addr, len, progress) =>
            {
                long ok = mem.AccessiblePrefix(addr, len, write: true, c.FaultsDisabled);
                src.AsSpan((int)progress, (int)ok).CopyTo(expectedMemory.AsSpan((int)(addr - mem.Base)));
                return ok;
            });

            long copied;
            using (var scope = c.FaultsDisabled ? Faults.Disable() : default)
                copied = it.CopyTo(src);

            return copied == expected && it.Count == count - copied
                && mem.Peek(mem.Base, (int)mem.Length).AsSpan().SequenceEqual(expectedMemory);
        }));
    }

    [Fact]
    public void CopyFrom_copies_exactly_the_accessible_prefix_and_leaves_the_rest_of_the_destination_alone()
    {
        PropCheck.Run(Prop.ForAll(IterGens.UserArb(), c =>
        {
            using var mem = UserMemory.Create(c.States, c.Seed);
            var segs = c.Segments(mem);
            var it = c.NewIter(mem, IterDirection.Source, segs);
            var rnd = new Random(c.Seed);
            var dst = Enumerable.Repeat((byte)0xA5, rnd.Next(0, 3 * P)).ToArray();
            var expectedDst = (byte[])dst.Clone();
            long expected = WalkModel(segs, dst.Length, (addr, len, progress) =>
            {
                long ok = mem.AccessiblePrefix(addr, len, write: false, c.FaultsDisabled);
                mem.ModelAt(addr, (int)ok).CopyTo(expectedDst.AsSpan((int)progress));
                return ok;
            });

            long copied;
            using (var scope = c.FaultsDisabled ? Faults.Disable() : default)
                copied = it.CopyFrom(dst);

            return copied == expected && dst.AsSpan().SequenceEqual(expectedDst);
        }));
    }

    [Fact]
    public void FaultInIovIter_leftover_equals_the_models_inaccessible_suffix_and_the_iterator_does_not_move()
    {
        PropCheck.Run(Prop.ForAll(IterGens.UserArb(), c =>
        {
            using var mem = UserMemory.Create(c.States, c.Seed);
            var rnd = new Random(c.Seed);
            var segs = c.Segments(mem);
            bool write = rnd.Next(2) == 0;
            var it = c.NewIter(mem, write ? IterDirection.Dest : IterDirection.Source, segs);
            it.Advance(rnd.NextInt64(it.Count + 1));
            var state = it.SaveState();
            long size = rnd.NextInt64(0, it.Count + P);
            long within = Math.Min(size, it.Count);
            long done = WalkModel(Remaining(segs, state.Consumed), within,
                (addr, len, _) => len - mem.FaultInLeft(addr, len, write, c.FaultsDisabled));

            long left;
            using (var scope = c.FaultsDisabled ? Faults.Disable() : default)
                left = write ? FaultInIter.FaultInIovIterWriteable(it, size) : FaultInIter.FaultInIovIterReadable(it, size);
            if (left != size - done || it.SaveState() != state) return false;

            // What fault-in reported as done is now reachable with page faults disabled.
            using (Faults.Disable())
            {
                long reached = write ? it.CopyTo(new byte[within]) : it.CopyFrom(new byte[within]);
                return reached >= within - left;
            }
        }));
    }

    [Fact]
    public void GetPages_never_returns_a_negative_count_and_returns_the_pages_mapped_under_the_first_segment()
    {
        PropCheck.Run(Prop.ForAll(IterGens.UserArb(), c =>
        {
            using var mem = UserMemory.Create(c.States, c.Seed);
            var rnd = new Random(c.Seed);
            var segs = c.Segments(mem);
            bool write = rnd.Next(2) == 0;
            var it = c.NewIter(mem, write ? IterDirection.Dest : IterDirection.Source, segs);
            it.NoFault = c.FaultsDisabled;
            it.Advance(rnd.NextInt64(it.Count + 1));
            long count = it.Count;
            long maxSize = rnd.NextInt64(0, 3 * P);
            int maxPages = rnd.Next(1, 4);
            var pages = new Page[maxPages];
            // Model: the first non-empty piece, then the run of pages GUP can get from its first page.
            long expected = 0;
            ulong first = 0;
            WalkModel(Remaining(segs, it.SaveState().Consumed), Math.Min(maxSize, count), (addr, len, progress) =>
            {
                if (progress > 0 || expected > 0) return 0;
                first = addr;
                int start = (int)(addr % P);
                int want = (int)Math.Min((start + len + P - 1) / P, maxPages), ok = 0;
                while (ok < want && mem.CanGup((addr & Page.Mask) + (ulong)ok * P, write, c.FaultsDisabled)) ok++;
                expected = ok == 0 ? 0 : Math.Min(len, (long)ok * P - start);
                return 0;
            });

            long got = it.GetPages(pages, maxSize, maxPages, out int startOffset);

            bool same = true;
            for (int k = 0; got > 0 && k < (startOffset + got + P - 1) / P; k++)
                same &= ReferenceEquals(pages[k], mem.Mm.GetPte((first & Page.Mask) + (ulong)k * P)?.Page);
            if (got > 0) it.ReleasePages(pages.AsSpan(0, (int)((startOffset + got + P - 1) / P)));
            return got >= 0 && got == expected && same && it.Count == count - got
                && (got == 0 || startOffset == (int)(first % P));
        }));
    }

    [Fact]
    public void Copying_through_an_iovec_equals_copying_through_the_concatenated_kvec()
    {
        var arb = Arb.From(Gen.Zip(Gen.ArrayOf(Gen.Choose(0, 3000)), Gen.Choose(0, int.MaxValue)));
        PropCheck.Run(Prop.ForAll(arb, t =>
        {
            var (lengths, seed) = t;
            var rnd = new Random(seed);
            // Disjoint user segments with gaps, in a fully resident region.
            long need = lengths.Sum(l => (long)l + 64);
            using var mem = UserMemory.Create(Enumerable.Repeat(PageState.Resident, (int)(need / P) + 1).ToArray(), seed);
            var segs = new Iovec[lengths.Length];
            ulong at = mem.Base;
            for (int k = 0; k < lengths.Length; k++)
            {
                at += (ulong)rnd.Next(0, 64);
                segs[k] = new Iovec(at, lengths[k]);
                at += (ulong)lengths[k];
            }
            var kvec = SegmentedBuffer.Kvec(lengths);
            var src = SegmentedBuffer.Pattern(lengths.Sum() + 10, seed);
            var user = IovIter.CreateIovec(IterDirection.Dest, mem.Mm, segs);
            var kernel = kvec.NewIter(IterDirection.Dest);
            for (int done = 0; done < src.Length;)
            {
                int chunk = Math.Min(rnd.Next(1, 4000), src.Length - done);
                long a = user.CopyTo(src.AsSpan(done, chunk)), b = kernel.CopyTo(src.AsSpan(done, chunk));
                if (a != b || user.Count != kernel.Count || user.NrSegs != kernel.NrSegs || user.IovOffset != kernel.IovOffset) return false;
                done += chunk;
            }
            var flat = segs.SelectMany(s => mem.Peek(s.Base, (int)s.Length)).ToArray();
            var back = new byte[lengths.Sum()];
            long read = IovIter.CreateIovec(IterDirection.Source, mem.Mm, segs).CopyFrom(back);
            return flat.AsSpan().SequenceEqual(kvec.Flatten()) && read == back.Length && back.AsSpan().SequenceEqual(flat);
        }));
    }

    [Fact]
    public void Advance_then_Revert_on_user_iterators_returns_to_the_same_bytes()
    {
        PropCheck.Run(Prop.ForAll(IterGens.UserArb(), c =>
        {
            using var mem = UserMemory.Create(c.States.Select(_ => PageState.Resident).ToArray(), c.Seed);
            var rnd = new Random(c.Seed);
            var segs = c.Segments(mem);
            var it = c.NewIter(mem, IterDirection.Source, segs);
            long a = rnd.NextInt64(it.Count + 1);
            it.Advance(a);
            long n = rnd.NextInt64(it.Count + 1);
            var before = it.SaveState();

            it.Advance(n);
            it.Revert(n);

            var after = it.SaveState();
            var expected = new byte[Math.Min(it.Count, 3 * P)];
            var got = new byte[expected.Length];
            WalkModel(Remaining(segs, a), expected.Length, (addr, len, progress) =>
            {
                ulong end = mem.Base + (ulong)mem.Length;
                long inRegion = addr >= end ? 0 : Math.Min(len, (long)(end - addr));
                if (inRegion > 0) mem.ModelAt(addr, (int)inRegion).CopyTo(expected.AsSpan((int)progress));
                return inRegion;
            });
            long copied = it.CopyFrom(got);
            return after.Count == before.Count && after.Consumed == before.Consumed
                && got.AsSpan(0, (int)copied).SequenceEqual(expected.AsSpan(0, (int)copied));
        }));
    }

    [Fact]
    public void Zero_of_user_memory_equals_copying_zeroes()
    {
        PropCheck.Run(Prop.ForAll(IterGens.UserArb(), c =>
        {
            using var zeroed = UserMemory.Create(c.States, c.Seed);
            using var copied = UserMemory.Create(c.States, c.Seed);
            var rnd = new Random(c.Seed);
            var segs = c.Segments(zeroed);
            var shifted = segs.Select(s => s with { Base = s.Base - zeroed.Base + copied.Base }).ToArray();
            var a = c.NewIter(zeroed, IterDirection.Dest, segs);
            var b = c.NewIter(copied, IterDirection.Dest, shifted);
            int n = rnd.Next(0, 3 * P);

            long za, zb;
            using (var scope = c.FaultsDisabled ? Faults.Disable() : default)
            {
                za = a.Zero(n);
                zb = b.CopyTo(new byte[n]);
            }

            return za == zb && a.Count == b.Count
                && zeroed.Peek(zeroed.Base, (int)zeroed.Length).AsSpan().SequenceEqual(copied.Peek(copied.Base, (int)copied.Length));
        }));
    }

    [Fact]
    public void ImportIovec_total_is_the_sum_clamped_to_MAX_RW_COUNT_and_the_iterator_holds_it()
    {
        var arb = Arb.From(Gen.ArrayOf(Gen.Frequency(
            (3, Gen.Choose(0, 5000).Select(l => (long)l)),
            (1, Gen.Choose(0, int.MaxValue).Select(l => (long)l * 4)),
            (1, Gen.Constant(-1L)))));
        PropCheck.Run(Prop.ForAll(arb, lengths =>
        {
            using var mm = new AddressSpace();
            var vec = lengths.Select((l, k) => new Iovec(0x10000 + (ulong)k * 0x1000_0000, l)).ToArray();

            long total = IovIter.ImportIovec(IterDirection.Source, mm, vec, out var it);

            if (lengths.Any(l => l < 0)) return total == Errno.EINVAL.Negative && it is null;
            long expected = Math.Min(lengths.Sum(), IovIter.MaxRwCount);
            return total == expected && it!.Count == expected
                && it.Kind == (lengths.Length == 1 ? IterKind.Ubuf : IterKind.Iovec)
                && (lengths.Length == 1 || it.NrSegs == lengths.Length);
        }));
    }

    /// <summary>The walk model: visits the non-empty pieces of <paramref name="segs"/> up to
    /// <paramref name="n"/> bytes, stopping after the first piece <paramref name="step"/> does not
    /// finish. Returns the bytes done.</summary>
    private static long WalkModel(IEnumerable<Iovec> segs, long n, Func<ulong, long, long, long> step)
    {
        long progress = 0;
        foreach (var s in segs)
        {
            long part = Math.Min(n - progress, s.Length);
            if (part <= 0) continue;
            long done = step(s.Base, part, progress);
            progress += done;
            if (done < part) break;
        }
        return progress;
    }

    private static IEnumerable<Iovec> Remaining(Iovec[] segs, long skip)
    {
        foreach (var s in segs)
        {
            if (skip >= s.Length)
            {
                skip -= s.Length;
                continue;
            }
            yield return new Iovec(s.Base + (ulong)skip, s.Length - skip);
            skip = 0;
        }
    }
}
