// generic/247: direct I/O writes racing with writes through a shared mapping of the same file.
// Must neither hang nor corrupt: afterwards every byte comes from one of the two writers, and once
// the race is over an O_DIRECT write is seen by buffered and mapped reads (no stale page cache).
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/247", "auto quick rw dio mmap", Description = "direct I/O racing with mmap",
    Requires = TargetFeatures.Paths | TargetFeatures.DirectIo | TargetFeatures.Mmap)]
public sealed unsafe class Generic247 : IXfsTest
{
    private const int Size = 4 << 20, Chunk = 64 << 10, Passes = 8;

    public void Run(TestContext ctx)
    {
        string path = ctx.PathOf("racer");
        var a = Pattern.Make(Size, 1);
        var b = Pattern.Make(Size, 2);
        File.WriteAllBytes(path, a);

        using var start = new Barrier(2);
        long dioErrors = 0;
        Action dio = () =>
        {
            using var fd = FileDescriptor.Open(path, Posix.O_RDWR | Posix.O_DIRECT);
            using var buf = new AlignedBuffer(Chunk);
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            for (int pass = 0; pass < Passes && !ctx.Cancellation.IsCancellationRequested; pass++)
                for (int off = 0; off < Size; off += Chunk)
                {
                    a.AsSpan(off, Chunk).CopyTo(buf.Span);
                    if (Posix.Pwrite(fd.Fd, buf.Address, Chunk, off) != Chunk) Interlocked.Increment(ref dioErrors);
                }
        };
        Action mapper = () =>
        {
            using var fd = FileDescriptor.Open(path, Posix.O_RDWR);
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            for (int pass = 0; pass < Passes && !ctx.Cancellation.IsCancellationRequested; pass++)
            {
                long addr = Posix.Mmap(Size, Posix.PROT_READ | Posix.PROT_WRITE, fd.Fd, 0);
                if (addr < 0) throw new IOException($"mmap: {Posix.ErrnoName(addr)}");
                // Walk the file backwards so the two writers cross in the middle.
                for (int off = Size - Chunk; off >= 0; off -= Chunk)
                    b.AsSpan(off, Chunk).CopyTo(new Span<byte>((byte*)addr + off, Chunk));
                Posix.Msync((nint)addr, Size, Posix.MS_SYNC);
                Posix.Munmap((nint)addr, Size);
            }
        };
        Workers.Run(TimeSpan.FromSeconds(120), "direct I/O vs mmap writers", dio, mapper);
        ctx.Out.WriteLine($"race done: {Passes} passes each, direct write errors {dioErrors}");

        var after = File.ReadAllBytes(path);
        int foreign = 0;
        for (int i = 0; i < Size; i++) if (after[i] != a[i] && after[i] != b[i]) foreign++;
        ctx.Out.WriteLine($"bytes from neither writer: {foreign}");

        // Quiesced: one more O_DIRECT write must be what every kind of read sees.
        var c = Pattern.Make(Size, 3);
        using (var fd = FileDescriptor.Open(path, Posix.O_RDWR | Posix.O_DIRECT))
        using (var buf = new AlignedBuffer(Size))
        {
            c.CopyTo(buf.Span);
            ctx.Out.WriteLine($"final direct write: {Posix.Pwrite(fd.Fd, buf.Address, Size, 0) == Size}");
        }
        ctx.Out.WriteLine($"buffered read sees it: {File.ReadAllBytes(path).AsSpan().SequenceEqual(c)}");
        using (var fd = FileDescriptor.Open(path, Posix.O_RDONLY))
        {
            long addr = Posix.Mmap(Size, Posix.PROT_READ, fd.Fd, 0);
            ctx.Out.WriteLine($"mapped read sees it: {addr >= 0 && new ReadOnlySpan<byte>((void*)addr, Size).SequenceEqual(c)}");
            if (addr >= 0) Posix.Munmap((nint)addr, Size);
        }
    }
}
