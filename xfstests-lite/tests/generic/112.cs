// generic/112: fsx with asynchronous I/O (the AIO variant of generic/075); here aio is emulated by
// several concurrent positional reads/writes per operation (see README).
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Fsx;
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/112", "rw aio auto quick", Description = "fsx, aio",
    Requires = TargetFeatures.Paths | TargetFeatures.Aio)]
public sealed class Generic112 : IXfsTest
{
    public void Run(TestContext ctx)
    {
        FsxRun.Run(ctx, "fsx.0 -A", new FsxOptions { NumOps = 2000, Seed = 0, Aio = true }, "fsx.0");
        FsxRun.Run(ctx, "fsx.1 -A (close/open)", new FsxOptions { NumOps = 1500, Seed = 1, Aio = true, CloseProb = 50 }, "fsx.1");
        FsxRun.Run(ctx, "fsx.2 -A (no mmap)", new FsxOptions { NumOps = 1500, Seed = 2, Aio = true, MapRead = false, MapWrite = false }, "fsx.2");
        FsxRun.Run(ctx, "fsx.3 -A (small file)", new FsxOptions { NumOps = 1500, Seed = 3, Aio = true, MaxFileLen = 16384, MaxOpLen = 4096 }, "fsx.3");
    }
}
