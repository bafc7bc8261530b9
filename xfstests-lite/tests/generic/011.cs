// generic/011: dirstress — threads creating, hard-linking, renaming and removing files in shared and
// private directories; afterwards every directory holds exactly the names each thread's model says,
// with the right contents and link counts, and removes cleanly.
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/011", "auto quick metadata stress", Description = "dirstress")]
public sealed class Generic011 : IXfsTest
{
    public void Run(TestContext ctx)
    {
        // As the original: one process, then several sharing one directory, then several with their own.
        Stress(ctx, threads: 1, files: 500, shared: true);
        Stress(ctx, threads: 4, files: 150, shared: true);
        Stress(ctx, threads: 4, files: 150, shared: false);
    }

    private static void Stress(TestContext ctx, int threads, int files, bool shared)
    {
        string root = Directory.CreateDirectory(ctx.PathOf($"dirstress.{threads}.{(shared ? "shared" : "own")}")).FullName;
        var problems = new List<string>[threads];
        Workers.Run(TimeSpan.FromSeconds(120), "dirstress", Enumerable.Range(0, threads).Select(t => (Action)(() =>
        {
            string dir = shared ? root : Directory.CreateDirectory(Path.Combine(root, $"d{t}")).FullName;
            problems[t] = Worker(dir, $"t{t}_", files, new Random(11 * 1000 + t), ctx.Cancellation);
        })).ToArray());
        var all = problems.SelectMany(p => p).ToList();
        foreach (string p in all) ctx.Full.WriteLine(ctx.Filter(p));
        Directory.Delete(root, recursive: true);
        ctx.Out.WriteLine($"dirstress -p {threads} -f {files} ({(shared ? "shared directory" : "own directories")}): {all.Count} inconsistencies");
    }

    // One thread's work: random operations on names with its prefix, mirrored in a model (name ->
    // inode number of the model); then the check of the directory against the model.
    private static List<string> Worker(string dir, string prefix, int files, Random rng, CancellationToken cancel)
    {
        var model = new Dictionary<string, int>();
        var problems = new List<string>();
        int nextInode = 0;
        string Name() => $"{prefix}{rng.Next(files)}";
        for (int op = 0; op < files * 4 && !cancel.IsCancellationRequested; op++)
        {
            string a = Name(), b = Name();
            string pa = Path.Combine(dir, a), pb = Path.Combine(dir, b);
            switch (rng.Next(4))
            {
                case 0 when !model.ContainsKey(a):
                    File.WriteAllText(pa, $"{prefix}{nextInode}");
                    model[a] = nextInode++;
                    break;
                case 1 when model.ContainsKey(a) && !model.ContainsKey(b):
                    Expect(problems, Posix.Link(pa, pb), 0, $"link {a} {b}");
                    model[b] = model[a];
                    break;
                case 2 when model.ContainsKey(a):
                    // rename over an existing name replaces it; a rename to a hard link of the same
                    // inode is a no-op that keeps both names, as POSIX says.
                    Expect(problems, Posix.Rename(pa, pb), 0, $"rename {a} {b}");
                    if (!(model.TryGetValue(b, out int ib) && ib == model[a])) { model[b] = model[a]; model.Remove(a); }
                    break;
                case 3 when model.ContainsKey(a):
                    File.Delete(pa);
                    model.Remove(a);
                    break;
            }
        }
        var listed = Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToHashSet();
        foreach (string n in listed.Where(n => !model.ContainsKey(n))) problems.Add($"{dir}/{n}: exists but was removed");
        foreach (var (name, ino) in model)
        {
            string p = Path.Combine(dir, name);
            if (!listed.Contains(name)) { problems.Add($"{p}: missing from the directory"); continue; }
            if (File.ReadAllText(p) != $"{prefix}{ino}") problems.Add($"{p}: wrong contents");
            Posix.Statx(p, out var st);
            int links = model.Values.Count(v => v == ino);
            if (st.Nlink != links) problems.Add($"{p}: nlink {st.Nlink}, expected {links}");
        }
        return problems;
    }

    private static void Expect(List<string> problems, long r, long want, string what)
    {
        if (r != want) problems.Add($"{what}: {Posix.ErrnoName(r)}");
    }
}
