// generic/001: random file copier — chains of copies of files of random content and size, every
// link compared with its source, for several iterations, then removed.
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/001", "rw auto quick", Description = "random file copier: chains of identical files, diffed")]
public sealed class Generic001 : IXfsTest
{
    private const int Iterations = 5, Chains = 3, Links = 5;
    // Each chain copies with its own block size, so short and unaligned I/O are both exercised.
    private static readonly int[] s_blockSizes = [1000, 4096, 65537];

    public void Run(TestContext ctx)
    {
        var rng = new Random(1);
        int[] sizes = [0, 1037, 4096, 65536 + 11, 300 * 1024 + 7];
        string src = Directory.CreateDirectory(ctx.PathOf("src")).FullName;
        for (int i = 0; i < sizes.Length; i++)
        {
            var data = new byte[sizes[i]];
            rng.NextBytes(data);
            File.WriteAllBytes(Path.Combine(src, $"file{i}"), data);
        }
        for (int it = 1; it <= Iterations; it++)
        {
            int bad = 0;
            for (int c = 0; c < Chains; c++)
            {
                string prev = src;
                for (int l = 1; l <= Links; l++)
                {
                    string dir = Directory.CreateDirectory(ctx.PathOf($"chain{c}.{l}")).FullName;
                    for (int i = 0; i < sizes.Length; i++)
                        Copy(Path.Combine(prev, $"file{i}"), Path.Combine(dir, $"file{i}"), s_blockSizes[c]);
                    prev = dir;
                }
            }
            // Diff every link against the source (like the original's cmp of each copy).
            for (int c = 0; c < Chains; c++)
                for (int l = 1; l <= Links; l++)
                    for (int i = 0; i < sizes.Length; i++)
                    {
                        string copy = ctx.PathOf($"chain{c}.{l}/file{i}");
                        if (!File.ReadAllBytes(copy).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(src, $"file{i}"))))
                        {
                            bad++;
                            ctx.Full.WriteLine($"iteration {it}: {ctx.Filter(copy)} differs from its source");
                        }
                    }
            ctx.Out.WriteLine($"iteration {it}: {Chains} chains x {Links} copies of {sizes.Length} files, {bad} differ");
            for (int c = 0; c < Chains; c++)
                for (int l = 1; l <= Links; l++)
                    Directory.Delete(ctx.PathOf($"chain{c}.{l}"), recursive: true);
        }
        ctx.Out.WriteLine($"after cleanup: {string.Join(' ', Directory.GetFileSystemEntries(ctx.ScratchDir).Select(Path.GetFileName))}");
    }

    private static void Copy(string from, string to, int block)
    {
        using var input = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read, 0);
        using var output = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0);
        var buf = new byte[block];
        int n;
        while ((n = input.Read(buf, 0, buf.Length)) > 0) output.Write(buf, 0, n);
    }
}
