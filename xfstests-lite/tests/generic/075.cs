// generic/075: fsx, buffered I/O — random reads, writes, mapped I/O, truncates, preallocation and
// hole punching on one file, every read checked against a model (xfstests runs fsx.0..fsx.3).
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Fsx;
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/075", "rw auto quick", Description = "fsx, buffered I/O")]
public sealed class Generic075 : IXfsTest
{
    public void Run(TestContext ctx)
    {
        // The original's four runs: plain, with close/open, without mmap, and a small file.
        FsxRun.Run(ctx, "fsx.0", new FsxOptions { NumOps = 1500, Seed = 0 }, "fsx.0");
        FsxRun.Run(ctx, "fsx.1 (close/open)", new FsxOptions { NumOps = 1000, Seed = 1, CloseProb = 50 }, "fsx.1");
        FsxRun.Run(ctx, "fsx.2 (no mmap)", new FsxOptions { NumOps = 1000, Seed = 2, MapRead = false, MapWrite = false }, "fsx.2");
        FsxRun.Run(ctx, "fsx.3 (small file)", new FsxOptions { NumOps = 1000, Seed = 3, MaxFileLen = 16384, MaxOpLen = 4096 }, "fsx.3");
    }
}
