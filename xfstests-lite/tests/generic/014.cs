// generic/014: truncfile — random writes and truncates (down and up) on one file, each followed by
// a read of a random range checked against a model, and a full comparison at the end.
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/014", "rw auto quick", Description = "truncfile: random writes and truncates, data checked")]
public sealed class Generic014 : IXfsTest
{
    private const int MaxSize = 1 << 20, Calls = 3000;

    public void Run(TestContext ctx)
    {
        var rng = new Random(14);
        var model = new byte[MaxSize];
        long size = 0;
        int mismatches = 0, writes = 0, truncates = 0;
        using var fd = FileDescriptor.Open(ctx.PathOf("truncfile"), Posix.O_RDWR | Posix.O_CREAT | Posix.O_TRUNC);
        var buf = new byte[65536];
        for (int call = 0; call < Calls && !ctx.Cancellation.IsCancellationRequested; call++)
        {
            if (rng.Next(3) == 0)
            {
                long newSize = rng.Next(MaxSize);
                if (newSize < size) Array.Clear(model, (int)newSize, (int)(size - newSize));
                Check(ctx, Posix.Ftruncate(fd.Fd, newSize), "ftruncate");
                size = newSize;
                truncates++;
            }
            else
            {
                int len = rng.Next(1, buf.Length);
                long off = rng.Next(MaxSize - len);
                Pattern.Fill(model.AsSpan((int)off, len), call, off);
                Check(ctx, Posix.Pwrite(fd.Fd, model.AsSpan((int)off, len), off), "pwrite");
                size = Math.Max(size, off + len);
                writes++;
            }
            if (size == 0) continue;
            long at = rng.NextInt64(size);
            int n = (int)Math.Min(buf.Length, size - at);
            long got = Posix.Pread(fd.Fd, buf.AsSpan(0, n), at);
            if (got != n || Pattern.FirstDifference(buf.AsSpan(0, n), model.AsSpan((int)at, n)) >= 0)
            {
                mismatches++;
                ctx.Full.WriteLine($"call {call}: read 0x{at:x}+0x{n:x} got {got}, first bad byte at +{Pattern.FirstDifference(buf.AsSpan(0, n), model.AsSpan((int)at, n))}");
            }
        }
        ctx.Out.WriteLine($"truncfile: {Calls} calls, {mismatches} bad reads");
        ctx.Out.WriteLine($"final size matches: {Posix.Lseek(fd.Fd, 0, Posix.SEEK_END) == size}");
        var whole = new byte[size];
        long r = Posix.Pread(fd.Fd, whole, 0);
        ctx.Out.WriteLine($"final contents match: {r == size && whole.AsSpan().SequenceEqual(model.AsSpan(0, (int)size))}");
        ctx.Full.WriteLine($"{writes} writes, {truncates} truncates, final size {size}");
    }

    private static void Check(TestContext ctx, long r, string what)
    {
        if (r < 0) ctx.Out.WriteLine($"{what}: {Posix.ErrnoName(r)}");
    }
}
