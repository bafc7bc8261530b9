using ClusterFs.Fs.Format;
using ClusterFs.Iov;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Fs.Tests.Format;

public class MetadataPropertyTests
{
    private const uint Reg = FileTypeBits.S_IFREG | 0x1A4, Dir = FileTypeBits.S_IFDIR | 0x1ED;

    /// <summary>Interprets each int as one metadata operation on a small image; errors such as ENOENT, EEXIST or
    /// ENOSPC are fine, corruption (EUCLEAN, EIO) is not.</summary>
    private static bool RunOps(int[] ops) => RunOpsProblem(ops) is null;

    /// <summary>Null when every operation kept the image consistent; else what went wrong.</summary>
    private static string? RunOpsProblem(int[] ops)
    {
        var dev = TestFs.Format(3 << 20, TestFs.Small(blockSize: 1024, rgrpBytes: 128 * 1024));
        using var vol = TestFs.Mount(dev);
        var dirs = new List<long> { vol.RootInode };
        var rnd = new Random(ops.Length == 0 ? 0 : ops[0]);
        for (int step = 0; step < ops.Length; step++)
        {
            int op = ops[step];
            long d = dirs[(op >> 4 & 0xFF) % dirs.Count];
            long d2 = dirs[(op >> 12 & 0xFF) % dirs.Count];
            string n = $"n{(op >> 20) & 7}", n2 = $"n{(op >> 23) & 7}";
            Errno e = Errno.OK;
            long ino;
            switch ((op & 0xF) % 13)
            {
                case 0: e = vol.Create(d, n, Reg, 0, 0, out _); break;
                case 1: e = vol.Create(d, n, Dir, 0, 0, out ino); if (e.IsOk) dirs.Add(ino); break;
                case 2: e = vol.Unlink(d, n); break;
                case 3: e = vol.Rmdir(d, n); break;
                case 4: e = vol.Rename(d, n, d2, n2); break;
                case 5:
                    if ((e = vol.Lookup(d, n, out ino)).IsOk) e = vol.Link(ino, d2, n2);
                    break;
                case 6: e = vol.Symlink(d, n, new string('t', 1 + op % 200), 0, 0, out _); break;
                case 7:
                    if ((e = vol.Lookup(d, n, out ino)).IsOk)
                        e = Errno.FromResult(vol.WriteData(ino, rnd.Next(0, 40_000), new byte[rnd.Next(1, 5000)]));
                    break;
                case 8:
                    if ((e = vol.Lookup(d, n, out ino)).IsOk) e = vol.SetAttr(ino, new SetAttrRequest { Size = rnd.Next(0, 30_000) });
                    break;
                case 9:
                    if ((e = vol.Lookup(d, n, out ino)).IsOk) e = vol.SetXattr(ino, $"user.{n2}", new byte[rnd.Next(0, 300)], XattrFlags.None);
                    break;
                case 10:
                    if ((e = vol.Lookup(d, n, out ino)).IsOk) e = vol.RemoveXattr(ino, $"user.{n2}");
                    break;
                case 11:
                    if ((e = vol.Lookup(d, n, out ino)).IsOk)
                        e = (op & 0x10000) != 0 ? vol.Punch(ino, rnd.Next(0, 30), rnd.Next(1, 10)) : vol.AllocateRange(ino, rnd.Next(0, 40), rnd.Next(1, 20), unwritten: true);
                    break;
                case 12: e = vol.Exchange(d, n, d2, n2); break;
            }
            if (e == Errno.EUCLEAN || e == Errno.EIO) return $"step {step} op {(op & 0xF) % 13}: {e}: {vol.LastError}";
            // Debugging aid: with CFS_CHECK_EVERY_STEP set, fsck after every step pins a failure to its operation.
            if (Environment.GetEnvironmentVariable("CFS_CHECK_EVERY_STEP") is not null && !TestFs.Check(dev).Clean)
                return $"after step {step} op {(op & 0xF) % 13} {n} {n2}: {TestFs.Check(dev)}";
        }
        var report = TestFs.Check(dev);
        return report.Clean ? null : report.ToString();
    }

    [Fact]
    public void Random_metadata_operation_sequences_keep_fsck_clean()
    {
        var gen = Gen.ArrayOf(Gen.Choose(0, int.MaxValue)).Select(a => a.Take(120).ToArray());
        var prop = Prop.ForAll(Arb.From(gen), RunOps);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(120), prop);
    }

    [Theory]
    [InlineData(12345)]
    [InlineData(777)]
    [InlineData(4242)]
    [InlineData(9)]
    public void A_fixed_long_sequence_keeps_fsck_clean(int seed)
    {
        var rnd = new Random(seed);
        string? problem = RunOpsProblem(Enumerable.Range(0, 3000).Select(_ => rnd.Next()).ToArray());
        Assert.True(problem is null, problem);
    }
}
