using ClusterFs.Fs.Format;
using ClusterFs.Iov;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Fs.Tests.Format;

/// <summary>fsx-style: random writes, truncates, punches and preallocations of one file against a byte-array model.</summary>
public class FileModelPropertyTests
{
    private const int Bs = 1024;

    private static string? Run(int[] ops)
    {
        var dev = TestFs.Format(4 << 20, TestFs.Small(blockSize: Bs, rgrpBytes: 256 * Bs));
        using var vol = TestFs.Mount(dev);
        Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "f", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out long f));
        var model = new List<byte>();
        for (int step = 0; step < ops.Length; step++)
        {
            int op = ops[step];
            var rnd = new Random(op);
            int kind = op % 5;
            switch (kind)
            {
                case 0 or 1:
                {
                    int off = rnd.Next(0, rnd.Next(2) == 0 ? 3000 : 300_000);
                    var data = new byte[rnd.Next(1, 5000)];
                    rnd.NextBytes(data);
                    long n = vol.WriteData(f, off, data);
                    if (n == Errno.ENOSPC.Negative) continue;
                    if (n != data.Length) return $"step {step}: write returned {n}";
                    while (model.Count < off + data.Length) model.Add(0);
                    for (int i = 0; i < data.Length; i++) model[off + i] = data[i];
                    break;
                }
                case 2:
                {
                    int size = rnd.Next(0, 320_000);
                    if (!vol.SetAttr(f, new SetAttrRequest { Size = size }).IsOk) return $"step {step}: truncate failed";
                    if (size < model.Count) model.RemoveRange(size, model.Count - size);
                    while (model.Count < size) model.Add(0);
                    break;
                }
                case 3:
                {
                    long fb = rnd.Next(0, 320), count = rnd.Next(1, 40);
                    if (!vol.Punch(f, fb, count).IsOk) return $"step {step}: punch failed";
                    for (long i = fb * Bs; i < Math.Min(model.Count, (fb + count) * Bs); i++) model[(int)i] = 0;
                    break;
                }
                case 4:
                {
                    var e = vol.AllocateRange(f, rnd.Next(0, 320), rnd.Next(1, 30), unwritten: true);
                    if (!e.IsOk && e != Errno.ENOSPC) return $"step {step}: allocate failed: {e}";
                    break;
                }
            }
            vol.GetAttr(f, out var attr);
            if (attr!.Size != model.Count) return $"step {step} (kind {kind}): size {attr.Size}, model {model.Count}";
            var back = new byte[model.Count + 10];
            long got = vol.ReadData(f, 0, back);
            if (got != model.Count) return $"step {step}: read {got} bytes, model {model.Count}";
            for (int i = 0; i < model.Count; i++)
                if (back[i] != model[i]) return $"step {step} (kind {kind}): byte {i} is {back[i]}, model {model[i]}";
        }
        var report = TestFs.Check(dev);
        return report.Clean ? null : report.ToString();
    }

    [Fact]
    public void Random_file_operations_read_back_exactly_as_a_byte_array_model()
    {
        var gen = Gen.ArrayOf(Gen.Choose(0, int.MaxValue)).Select(a => a.Take(40).ToArray());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(Arb.From(gen), ops => Run(ops) is null));
    }

    [Fact]
    public void A_fixed_long_file_operation_sequence_matches_the_model()
    {
        var rnd = new Random(31337);
        string? problem = Run(Enumerable.Range(0, 400).Select(_ => rnd.Next()).ToArray());
        Assert.True(problem is null, problem);
    }
}
