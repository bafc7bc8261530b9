// generic/013: fsstress-style random operations (create, mkdir, write, truncate, link, rename of
// files and directories, unlink, rmdir, symlink, fsync, read-back) by several threads, each in its
// own subtree, mirrored in a model; then a consistency check of the whole tree against the models.
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/013", "auto metadata stress rw", Description = "fsstress, then a consistency check", TimeoutSeconds = 600)]
public sealed class Generic013 : IXfsTest
{
    public void Run(TestContext ctx)
    {
        Stress(ctx, threads: 1, ops: 3000);
        Stress(ctx, threads: 4, ops: 2000);
    }

    private static void Stress(TestContext ctx, int threads, int ops)
    {
        string root = Directory.CreateDirectory(ctx.PathOf($"fsstress.p{threads}")).FullName;
        var errors = new List<string>[threads];
        var models = new TreeModel[threads];
        Workers.Run(TimeSpan.FromSeconds(300), "fsstress", Enumerable.Range(0, threads).Select(t => (Action)(() =>
        {
            string dir = Directory.CreateDirectory(Path.Combine(root, $"p{t}")).FullName;
            models[t] = new TreeModel();
            errors[t] = new FsstressWorker(dir, models[t], new Random(13_000 + t)).Run(ops, ctx.Cancellation);
        })).ToArray());
        var problems = new List<string>();
        for (int t = 0; t < threads; t++)
        {
            problems.AddRange(errors[t].Select(e => $"p{t}: {e}"));
            problems.AddRange(models[t].Verify(Path.Combine(root, $"p{t}"), NlinkOf).Select(e => $"p{t}/{e}"));
        }
        foreach (string p in problems) ctx.Full.WriteLine(p);
        ctx.Out.WriteLine($"fsstress -p {threads} -n {ops}: {problems.Count} problems");
        Directory.Delete(root, recursive: true);
        ctx.Out.WriteLine($"removed the tree: {!Directory.Exists(root)}");
    }

    private static uint NlinkOf(string path) => Posix.Statx(path, out var st) == 0 ? st.Nlink : 0;
}
