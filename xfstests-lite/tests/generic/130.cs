// generic/130: pattern-based read/write, vectored read/write (preadv/pwritev) and truncate checks:
// segment boundaries, short reads at EOF, zero-length segments, unaligned offsets, truncate down/up.
using System.Runtime.InteropServices;
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/130", "auto quick rw", Description = "vectored read/write and truncate patterns")]
public sealed class Generic130 : IXfsTest
{
    public void Run(TestContext ctx)
    {
        using var fd = FileDescriptor.Open(ctx.PathOf("vec"), Posix.O_RDWR | Posix.O_CREAT | Posix.O_TRUNC);
        var model = new byte[1 << 20];
        long size = 0;

        // 1. Plain write, vectored read across uneven segments.
        Pattern.Fill(model.AsSpan(0, 65536), 1, 0);
        ctx.Out.WriteLine($"pwrite 65536 at 0: {Posix.Pwrite(fd.Fd, model.AsSpan(0, 65536), 0)}");
        size = 65536;
        Readv(ctx, fd.Fd, model, size, 0, [1000, 4096, 60440]);
        Readv(ctx, fd.Fd, model, size, 4095, [1, 1, 4096, 511]);

        // 2. Vectored write at an unaligned offset, read back plainly and vectored.
        size = Writev(ctx, fd.Fd, model, size, 4096 + 17, [3000, 1, 0, 8192, 100]);
        Readv(ctx, fd.Fd, model, size, 4096, [17, 11293]);

        // 3. Short vectored reads at and past EOF.
        Readv(ctx, fd.Fd, model, size, 60000, [4096, 4096]);
        Readv(ctx, fd.Fd, model, size, size, [100]);
        Readv(ctx, fd.Fd, model, size, size + 5000, [100, 100]);

        // 4. Vectored write extending the file past a hole; the hole reads as zeros.
        size = Writev(ctx, fd.Fd, model, size, 200000, [4096, 4096]);
        Readv(ctx, fd.Fd, model, size, 65000, [100000, 50000]);

        // 5. Truncate down into the middle of written data, then up: the tail reads as zeros.
        Truncate(ctx, fd.Fd, model, ref size, 10000);
        Readv(ctx, fd.Fd, model, size, 9000, [500, 2000]);
        Truncate(ctx, fd.Fd, model, ref size, 20000);
        Readv(ctx, fd.Fd, model, size, 8000, [2000, 10000]);

        // 6. Single bytes across a page boundary, and zero-length segments only.
        size = Writev(ctx, fd.Fd, model, size, 4095, [1, 1]);
        Readv(ctx, fd.Fd, model, size, 4094, [1, 1, 1, 1]);
        size = Writev(ctx, fd.Fd, model, size, 0, [0, 0]);
        ctx.Out.WriteLine($"final size: {Posix.Lseek(fd.Fd, 0, Posix.SEEK_END)}");
    }

    private static void Truncate(TestContext ctx, int fd, byte[] model, ref long size, long to)
    {
        long r = Posix.Ftruncate(fd, to);
        if (to < size) Array.Clear(model, (int)to, (int)(size - to));
        size = to;
        ctx.Out.WriteLine($"ftruncate {to}: {Posix.ErrnoName(r)}");
    }

    private static long Writev(TestContext ctx, int fd, byte[] model, long size, long offset, int[] segs)
    {
        int total = segs.Sum();
        var src = Pattern.Make(total, (int)offset, offset);
        var handles = new List<GCHandle>();
        var iov = new Iovec[segs.Length];
        int pos = 0;
        try
        {
            for (int i = 0; i < segs.Length; i++)
            {
                var seg = src.AsSpan(pos, segs[i]).ToArray();
                var h = GCHandle.Alloc(seg, GCHandleType.Pinned);
                handles.Add(h);
                iov[i] = new Iovec { Base = h.AddrOfPinnedObject(), Length = segs[i] };
                pos += segs[i];
            }
            long r = Posix.Pwritev(fd, iov, offset);
            ctx.Out.WriteLine($"pwritev [{string.Join(',', segs)}] at {offset}: {(r < 0 ? Posix.ErrnoName(r) : r)}");
            if (r > 0) src.AsSpan(0, (int)r).CopyTo(model.AsSpan((int)offset));
            return r > 0 ? Math.Max(size, offset + r) : size;
        }
        finally { handles.ForEach(h => h.Free()); }
    }

    private static void Readv(TestContext ctx, int fd, byte[] model, long size, long offset, int[] segs)
    {
        var bufs = segs.Select(n => new byte[n]).ToArray();
        var handles = bufs.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToList();
        try
        {
            var iov = bufs.Select((b, i) => new Iovec { Base = handles[i].AddrOfPinnedObject(), Length = b.Length }).ToArray();
            long r = Posix.Preadv(fd, iov, offset);
            long expect = Math.Clamp(size - offset, 0, segs.Sum());
            var got = bufs.SelectMany(b => b).Take((int)Math.Max(0, r)).ToArray();
            bool dataOk = r >= 0 && got.AsSpan().SequenceEqual(model.AsSpan((int)Math.Min(offset, model.Length), (int)Math.Max(0, r)));
            ctx.Out.WriteLine($"preadv [{string.Join(',', segs)}] at {offset}: {(r < 0 ? Posix.ErrnoName(r) : r)}" +
                $"{(r == expect ? "" : $" (expected {expect})")}, data {(dataOk ? "ok" : "BAD")}");
        }
        finally { handles.ForEach(h => h.Free()); }
    }
}
