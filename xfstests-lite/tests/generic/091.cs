// generic/091: fsx with O_DIRECT at sub-block (and sub-page) sizes and alignments, mixed with
// buffered I/O on the same file through mapped reads and writes.
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Fsx;
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/091", "rw auto quick dio mmap", Description = "fsx O_DIRECT with sub-block sizes and concurrent buffered I/O",
    Requires = TargetFeatures.Paths | TargetFeatures.DirectIo)]
public sealed class Generic091 : IXfsTest
{
    public void Run(TestContext ctx)
    {
        // As the original: PSIZE = page size, BSIZE = the smallest O_DIRECT alignment.
        int psize = Environment.SystemPageSize;
        int bsize = FsxCommand.DioAlignment(ctx.PathOf("dio-probe"));
        bool mmap = (ctx.Target.Features & TargetFeatures.Mmap) != 0;
        FsxOptions Opts(int seed, int r, int t, int w, int oplen, bool maps) => new()
        {
            NumOps = 600, Seed = seed, MaxFileLen = 500000, MaxOpLen = oplen, DirectIo = true,
            ReadBdy = r, TruncBdy = t, WriteBdy = w, MapRead = maps && mmap, MapWrite = maps && mmap,
        };
        FsxRun.Run(ctx, "fsx -r PSIZE -t BSIZE -w BSIZE -Z -R -W", Opts(1, psize, bsize, bsize, 65536, false), "junk");
        FsxRun.Run(ctx, "fsx -o 8192 -r PSIZE -t BSIZE -w BSIZE -Z -R -W", Opts(2, psize, bsize, bsize, 8192, false), "junk");
        FsxRun.Run(ctx, "fsx -o 32768 -r BSIZE -t PSIZE -w PSIZE -Z -R -W", Opts(3, bsize, psize, psize, 32768, false), "junk");
        // With mapped reads and writes: buffered (page cache) I/O interleaved with O_DIRECT.
        FsxRun.Run(ctx, "fsx -o 128000 -r PSIZE -t BSIZE -w BSIZE -Z (mapped I/O)", Opts(4, psize, bsize, bsize, 128000, true), "junk");
        FsxRun.Run(ctx, "fsx -o 32768 -r BSIZE -t BSIZE -w BSIZE -Z (mapped I/O)", Opts(5, bsize, bsize, bsize, 32768, true), "junk");
    }
}
