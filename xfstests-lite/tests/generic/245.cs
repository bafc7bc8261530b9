// generic/245: renaming a directory onto a non-empty directory fails with ENOTEMPTY or EEXIST, and
// leaves both directories as they were.
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/245", "auto quick metadata", Description = "rename of a directory onto a non-empty one fails")]
public sealed class Generic245 : IXfsTest
{
    public void Run(TestContext ctx)
    {
        string src = ctx.PathOf("test/ab"), dst = ctx.PathOf("test/aa");
        Directory.CreateDirectory(Path.Combine(src, "a"));
        Directory.CreateDirectory(Path.Combine(dst, "b"));
        File.WriteAllText(Path.Combine(dst, "b", "file"), "x");
        long r = Posix.Rename(src, dst);
        // POSIX allows either errno; the original filters both to one message.
        string result = r == -39 || r == -17 ? "Directory not empty (ENOTEMPTY or EEXIST)" : Posix.ErrnoName(r);
        ctx.Out.WriteLine($"rename dir onto non-empty dir: {result}");
        ctx.Out.WriteLine($"source still has a: {Directory.Exists(Path.Combine(src, "a"))}");
        ctx.Out.WriteLine($"target still has b/file: {File.Exists(Path.Combine(dst, "b", "file"))}");
        // Onto an empty directory the same rename succeeds and replaces it.
        Directory.Delete(Path.Combine(dst, "b"), recursive: true);
        r = Posix.Rename(src, dst);
        ctx.Out.WriteLine($"rename dir onto empty dir: {Posix.ErrnoName(r)}");
        ctx.Out.WriteLine($"target now has a: {Directory.Exists(Path.Combine(dst, "a"))}, source gone: {!Directory.Exists(src)}");
    }
}
