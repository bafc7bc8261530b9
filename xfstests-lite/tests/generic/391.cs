// generic/391: two threads doing non-overlapping O_DIRECT writes into the same extents (one writes
// the even blocks, the other the odd ones), on a sparse, a preallocated and a written file; the
// result is checked with O_DIRECT and buffered reads.
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/391", "auto quick rw dio", Description = "two threads doing non-overlapping direct I/O in the same extents",
    Requires = TargetFeatures.Paths | TargetFeatures.DirectIo)]
public sealed class Generic391 : IXfsTest
{
    private const int Blocks = 1024;

    public void Run(TestContext ctx)
    {
        int block = Math.Max(4096, ClusterFs.XfsTests.Fsx.FsxCommand.DioAlignment(ctx.PathOf("dio-probe")));
        bool prealloc = (ctx.Target.Features & TargetFeatures.Fallocate) != 0;
        Interleave(ctx, "sparse", block, setup: null);
        Interleave(ctx, "preallocated", block, setup: fd =>
        {
            // Without fallocate the file is extended with a hole instead; the check is the same.
            if (!prealloc || Posix.Fallocate(fd, 0, 0, (long)Blocks * block) < 0) Posix.Ftruncate(fd, (long)Blocks * block);
        });
        Interleave(ctx, "overwrite", block, setup: fd =>
        {
            var zeros = new byte[block * 64];
            for (long off = 0; off < (long)Blocks * block; off += zeros.Length) Posix.Pwrite(fd, zeros, off);
            Posix.Fsync(fd);
        });
    }

    private static void Interleave(TestContext ctx, string name, int block, Action<int>? setup)
    {
        string path = ctx.PathOf(name);
        using (var fd = FileDescriptor.Open(path, Posix.O_RDWR | Posix.O_CREAT | Posix.O_TRUNC)) setup?.Invoke(fd.Fd);
        using var start = new Barrier(2);
        var errors = new long[2];
        Workers.Run(TimeSpan.FromSeconds(120), "direct I/O writers", Enumerable.Range(0, 2).Select(t => (Action)(() =>
        {
            using var fd = FileDescriptor.Open(path, Posix.O_RDWR | Posix.O_DIRECT);
            using var buf = new AlignedBuffer(block);
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            for (int b = t; b < Blocks; b += 2)
            {
                Pattern.Fill(buf.Span, 391, (long)b * block);
                if (Posix.Pwrite(fd.Fd, buf.Address, block, (long)b * block) != block) errors[t]++;
            }
        })).ToArray());

        var expected = Pattern.Make(Blocks * block, 391);
        using var check = FileDescriptor.Open(path, Posix.O_RDONLY | Posix.O_DIRECT);
        using var all = new AlignedBuffer((long)Blocks * block);
        long rd = Posix.Pread(check.Fd, all.Address, all.Length, 0);
        bool directOk = rd == all.Length && all.Span.SequenceEqual(expected);
        var buffered = File.ReadAllBytes(path);
        bool bufferedOk = buffered.AsSpan().SequenceEqual(expected);
        ctx.Out.WriteLine($"{name}: write errors {errors.Sum()}, O_DIRECT read {(directOk ? "ok" : "BAD")}, buffered read {(bufferedOk ? "ok" : "BAD")}");
        if (!directOk) ctx.Full.WriteLine($"{name}: O_DIRECT read {rd} bytes, first difference at {Pattern.FirstDifference(all.Span, expected)}");
    }
}
