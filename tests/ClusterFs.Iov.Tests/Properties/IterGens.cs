using ClusterFs.Iov;
using ClusterFs.Iov.Tests.Iter;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Iov.Tests.Properties;

/// <summary>A kernel-memory layout drawn by the generators: KVEC or BVEC segment lengths (empty ones
/// included), BVEC in-page offsets, and a seed for the operations run over it.</summary>
internal sealed record KernelCase(bool Bvec, int[] Lengths, int[] Offsets, int Seed)
{
    public SegmentedBuffer Build() => Bvec ? SegmentedBuffer.Bvec(Lengths, Offsets) : SegmentedBuffer.Kvec(Lengths);

    public override string ToString() =>
        $"{(Bvec ? "BVEC" : "KVEC")} [{string.Join(",", Lengths)}] offsets [{string.Join(",", Offsets)}] seed {Seed}";
}

internal static class IterGens
{
    /// <summary>A segment length: often empty or small, sometimes up to two pages' worth.</summary>
    public static readonly Gen<int> SegmentLength = Gen.Frequency(
        (1, Gen.Constant(0)),
        (5, Gen.Choose(1, 64)),
        (2, Gen.Choose(65, 9000)));

    public static Gen<KernelCase> Kernel(bool allowEmptySegments = true) =>
        from bvec in Gen.Elements(false, true)
        from n in Gen.Choose(0, 8)
        from lengths in Gen.ArrayOf(allowEmptySegments ? SegmentLength : SegmentLength.Where(l => l > 0), n)
        from offsets in Gen.ArrayOf(Gen.Choose(0, 4095), n)
        from seed in Gen.Choose(0, int.MaxValue)
        select new KernelCase(bvec, bvec ? lengths.Select(l => Math.Min(l, 4096)).ToArray() : lengths, offsets, seed);

    public static Arbitrary<KernelCase> KernelArb(bool allowEmptySegments = true) =>
        Arb.From(Kernel(allowEmptySegments));

    public static readonly Gen<PageState> PageStateGen = Gen.Frequency(
        (4, Gen.Constant(PageState.Resident)),
        (2, Gen.Constant(PageState.Untouched)),
        (1, Gen.Constant(PageState.Hole)),
        (1, Gen.Constant(PageState.ReadOnly)));

    public static Arbitrary<UserCase> UserArb() => Arb.From(
        from n in Gen.Choose(1, 8)
        from states in Gen.ArrayOf(PageStateGen, n)
        from iovec in Gen.Elements(false, true)
        from faultsDisabled in Gen.Elements(false, true)
        from seed in Gen.Choose(0, int.MaxValue)
        select new UserCase(states, iovec, faultsDisabled, seed));
}
