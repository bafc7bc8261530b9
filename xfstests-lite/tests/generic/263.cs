// generic/263: fsx exercising O_DIRECT against sub-block buffered I/O (mapped reads and writes and
// unaligned truncates on the same file), with large operations; plus the aio variant.
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Fsx;
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/263", "rw auto quick dio mmap", Description = "fsx O_DIRECT vs sub-block buffered I/O",
    Requires = TargetFeatures.Paths | TargetFeatures.DirectIo | TargetFeatures.Mmap)]
public sealed class Generic263 : IXfsTest
{
    public void Run(TestContext ctx)
    {
        int psize = Environment.SystemPageSize;
        int bsize = FsxCommand.DioAlignment(ctx.PathOf("dio-probe"));
        // Truncates at 1-byte granularity leave partial blocks that mapped writes then dirty in the
        // page cache while O_DIRECT reads and writes go around it.
        FsxRun.Run(ctx, "fsx -o 128000 -l 500000 -r PSIZE -t BSIZE -w BSIZE -Z",
            new FsxOptions { NumOps = 600, Seed = 263, MaxOpLen = 128000, MaxFileLen = 500000, DirectIo = true, ReadBdy = psize, TruncBdy = bsize, WriteBdy = bsize }, "junk");
        FsxRun.Run(ctx, "fsx -o 128000 -l 500000 -r BSIZE -w BSIZE -Z (byte truncates)",
            new FsxOptions { NumOps = 600, Seed = 264, MaxOpLen = 128000, MaxFileLen = 500000, DirectIo = true, ReadBdy = bsize, WriteBdy = bsize }, "junk");
        FsxRun.Run(ctx, "fsx -o 128000 -l 500000 -r BSIZE -w BSIZE -Z -A",
            new FsxOptions { NumOps = 400, Seed = 265, MaxOpLen = 128000, MaxFileLen = 500000, DirectIo = true, Aio = true, ReadBdy = bsize, WriteBdy = bsize }, "junk");
    }
}
