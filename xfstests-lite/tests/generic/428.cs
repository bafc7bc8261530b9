// generic/428: no stale reads through a mapping — data written with write(2), truncated away or
// written through the mapping is what a mapped read (and pread) sees next, page by page.
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/428", "auto quick mmap rw", Description = "no stale mmap reads after writes",
    Requires = TargetFeatures.Paths | TargetFeatures.Mmap)]
public sealed unsafe class Generic428 : IXfsTest
{
    private const int Pages = 16;

    public void Run(TestContext ctx)
    {
        int page = Environment.SystemPageSize, len = Pages * page;
        using var fd = FileDescriptor.Open(ctx.PathOf("file"), Posix.O_RDWR | Posix.O_CREAT | Posix.O_TRUNC);
        Posix.Ftruncate(fd.Fd, len);
        long addr = Posix.Mmap(len, Posix.PROT_READ | Posix.PROT_WRITE, fd.Fd, 0);
        if (addr < 0) throw new IOException($"mmap: {Posix.ErrnoName(addr)}");
        try
        {
            var map = new Span<byte>((void*)addr, len);
            // Fault every page in (reading zeros) so the later checks read through existing PTEs.
            ctx.Out.WriteLine($"mapped zeros: {(map.IndexOfAnyExcept((byte)0) < 0 ? "ok" : "BAD")}");
            int stale = 0;
            for (int round = 1; round <= 3; round++)
            {
                for (int p = 0; p < Pages; p++)
                {
                    byte[] data = Pattern.Make(page, round, p * page);
                    Posix.Pwrite(fd.Fd, data, p * page);
                    if (Pattern.FirstDifference(data, map.Slice(p * page, page)) >= 0) stale++;
                }
            }
            ctx.Out.WriteLine($"pwrite then mapped read: {stale} stale pages");

            Posix.Ftruncate(fd.Fd, len / 2);
            Posix.Ftruncate(fd.Fd, len);
            ctx.Out.WriteLine($"truncate down and up, mapped tail is zero: {map[(len / 2)..].IndexOfAnyExcept((byte)0) < 0}");

            stale = 0;
            var back = new byte[page];
            for (int p = 0; p < Pages; p++)
            {
                Pattern.Fill(map.Slice(p * page, page), 7, p * page);
                Posix.Pread(fd.Fd, back, p * page);
                if (Pattern.FirstDifference(map.Slice(p * page, page), back) >= 0) stale++;
            }
            ctx.Out.WriteLine($"mapped write then pread: {stale} stale pages");
            Posix.Msync((nint)addr, len, Posix.MS_SYNC);
        }
        finally { Posix.Munmap((nint)addr, len); }
    }
}
