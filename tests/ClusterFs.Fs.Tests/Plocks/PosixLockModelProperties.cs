using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.LockManagers.Plocks;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Fs.Tests.Plocks;

/// <summary>
/// Model test of the lock table: random set / unlock / test / release sequences of three owners (two on node 0, one on
/// node 1 reusing a lock_owner number) against a per-byte model. Bytes 0..20 are cells 0..20; cell 21 stands for every
/// byte from 21 to OFFSET_MAX (no request starts or ends inside it). After every step the table must hold exactly the
/// model's maximal runs per owner and type (so coalescing and splitting are exact), F_SETLK must fail with EAGAIN exactly
/// when the model has a conflicting byte, and F_GETLK must report a conflicting lock with the lowest start.
/// </summary>
public sealed class PosixLockModelProperties
{
    private const int Cells = 22;
    private const ulong Inode = 7;
    private static readonly (int Node, ulong Owner)[] s_owners = [(0, 1), (0, 2), (1, 1)];

    /// <summary>Kind 0 = F_SETLK, 1 = unlock, 2 = F_GETLK, 3 = release the owner (close).</summary>
    public readonly record struct Step(int Kind, int Owner, PosixLockType Type, long Start, long End)
    {
        public override string ToString() =>
            $"{(Kind switch { 0 => "set", 1 => "unlock", 2 => "test", _ => "release" })}(o{Owner}, {Type}, {Start}..{(End == PosixLock.OffsetMax ? "max" : End)})";
    }

    private static Gen<Step> StepGen() =>
        from kind in Gen.Frequency((6, Gen.Constant(0)), (3, Gen.Constant(1)), (3, Gen.Constant(2)), (1, Gen.Constant(3)))
        from owner in Gen.Choose(0, s_owners.Length - 1)
        from type in Gen.Elements(PosixLockType.Read, PosixLockType.Write)
        from start in Gen.Choose(0, 20)
        from end in Gen.Frequency((5, Gen.Choose(start, 20).Select(e => (long)e)), (1, Gen.Constant(PosixLock.OffsetMax)))
        select new Step(kind, owner, type, start, end);

    [Fact]
    public void Random_lock_sequences_of_three_owners_match_a_per_byte_model()
    {
        var arb = Gen.ListOf(StepGen()).Select(l => l.ToArray()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(600).WithEndSize(40), Prop.ForAll(arb, Run));
    }

    private static bool Run(Step[] steps)
    {
        var space = new PosixLockSpace();
        space.AddNode(0);
        space.AddNode(1);
        var model = new Dictionary<int, PosixLockType>[Cells];
        for (int i = 0; i < Cells; i++) model[i] = [];
        foreach (var step in steps)
        {
            var (node, owner) = s_owners[step.Owner];
            int first = (int)step.Start, last = step.End == PosixLock.OffsetMax ? Cells - 1 : (int)step.End;
            var type = step.Kind == 1 ? PosixLockType.Unlock : step.Type;
            var req = new PosixLockRequest(owner, type, step.Start, step.End, 1000 + step.Owner);
            bool conflict = type != PosixLockType.Unlock && Enumerable.Range(first, last - first + 1)
                .Any(c => model[c].Any(kv => kv.Key != step.Owner && (kv.Value == PosixLockType.Write || type == PosixLockType.Write)));
            switch (step.Kind)
            {
                case 0 or 1:
                    var e = space.Set(node, Inode, req, wait: false, CancellationToken.None);
                    if (e != (conflict ? Iov.Errno.EAGAIN : Iov.Errno.OK)) throw new InvalidOperationException($"{step}: {e}, conflict in model: {conflict}");
                    if (!conflict)
                    {
                        for (int c = first; c <= last; c++)
                        {
                            if (type == PosixLockType.Unlock) model[c].Remove(step.Owner);
                            else model[c][step.Owner] = type;
                        }
                    }
                    break;
                case 2:
                    Assert.True(space.Test(node, Inode, req, out var found).IsOk);
                    var expected = Canonical(model).Where(l => l.ConflictsWith(node, owner, type, step.Start, step.End)).ToList();
                    if (expected.Count == 0 ? found.Type != PosixLockType.Unlock
                        : found.Type == PosixLockType.Unlock || !expected.Contains(found with { Pid = 0 }) || found.Start != expected.Min(l => l.Start))
                        throw new InvalidOperationException($"{step}: F_GETLK found {found}, conflicts in model: {string.Join(", ", expected)}");
                    break;
                default:
                    Assert.True(space.Release(node, Inode, owner).IsOk);
                    for (int c = 0; c < Cells; c++) model[c].Remove(step.Owner);
                    break;
            }
            var actual = space.Locks(Inode).Select(l => l with { Pid = 0 }).ToList();
            var canonical = Canonical(model);
            if (!actual.SequenceEqual(canonical))
                throw new InvalidOperationException($"after {step}: table [{string.Join(", ", actual)}], model [{string.Join(", ", canonical)}]");
        }
        return true;
    }

    /// <summary>The model's locks as the table must hold them: each owner's maximal runs of one type, sorted like the table.</summary>
    private static List<PosixLock> Canonical(Dictionary<int, PosixLockType>[] model)
    {
        var locks = new List<PosixLock>();
        for (int o = 0; o < s_owners.Length; o++)
        {
            int c = 0;
            while (c < Cells)
            {
                if (!model[c].TryGetValue(o, out var t)) { c++; continue; }
                int start = c;
                while (c + 1 < Cells && model[c + 1].TryGetValue(o, out var t2) && t2 == t) c++;
                long end = c == Cells - 1 ? PosixLock.OffsetMax : c;
                locks.Add(new PosixLock(t, start, end, s_owners[o].Node, s_owners[o].Owner, 0));
                c++;
            }
        }
        return [.. locks.OrderBy(l => l.Start).ThenBy(l => l.Node).ThenBy(l => l.Owner)];
    }
}
