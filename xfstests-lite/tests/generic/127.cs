// generic/127: the fsx "lite" and standard runs with and without mmap (fsx_lite_nommap,
// fsx_lite_mmap, fsx_std_nommap, fsx_std_mmap), each on its own file, longer than generic/075.
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Fsx;
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/127", "rw auto mmap stress", Description = "fsx lite and standard, with and without mmap",
    Requires = TargetFeatures.Paths | TargetFeatures.Mmap, TimeoutSeconds = 600)]
public sealed class Generic127 : IXfsTest
{
    private const int FileSize = 262144;
    private const int Ops = 10000;

    public void Run(TestContext ctx)
    {
        // The original uses seed 191110531 for every run.
        const int seed = 191110531;
        FsxRun.Run(ctx, "fsx_lite_nommap", new FsxOptions { NumOps = Ops, Seed = seed, MaxFileLen = FileSize, MaxOpLen = 65536, Lite = true, MapRead = false, MapWrite = false }, "fsx_lite_nommap");
        FsxRun.Run(ctx, "fsx_lite_mmap", new FsxOptions { NumOps = Ops, Seed = seed, MaxFileLen = FileSize, MaxOpLen = 65536, Lite = true }, "fsx_lite_mmap");
        FsxRun.Run(ctx, "fsx_std_nommap", new FsxOptions { NumOps = Ops, Seed = seed, MaxFileLen = FileSize, MaxOpLen = 65536, MapRead = false, MapWrite = false }, "fsx_std_nommap");
        FsxRun.Run(ctx, "fsx_std_mmap", new FsxOptions { NumOps = Ops, Seed = seed, MaxFileLen = FileSize, MaxOpLen = 65536 }, "fsx_std_mmap");
    }
}
