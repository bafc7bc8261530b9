// generic/310: readdir racing with read(2) and lseek(2) on the same directory descriptor must not
// crash, hang or invent entries; a private descriptor still lists the directory exactly.
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/310", "auto quick metadata", Description = "readdir racing with read/lseek on the same directory")]
public sealed class Generic310 : IXfsTest
{
    private const int Files = 200, SharedLoops = 400, PrivateLoops = 100;

    public void Run(TestContext ctx)
    {
        string dir = Directory.CreateDirectory(ctx.PathOf("dir")).FullName;
        var expected = new HashSet<string>(Enumerable.Range(0, Files).Select(i => $"f{i:D3}")) { ".", ".." };
        foreach (string n in expected.Where(n => n[0] == 'f')) File.WriteAllText(Path.Combine(dir, n), n);

        using var shared = FileDescriptor.Open(dir, Posix.O_RDONLY | Posix.O_DIRECTORY);
        long unknown = 0, readdirErrors = 0, readNotEisdir = 0, lseekErrors = 0, complete = 0;
        using var start = new Barrier(3);
        Action readdir = () =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            var names = new List<string>();
            for (int i = 0; i < SharedLoops; i++)
            {
                names.Clear();
                Posix.Lseek(shared.Fd, 0, Posix.SEEK_SET);
                if (DirEntries.ReadToEnd(shared.Fd, names) < 0) Interlocked.Increment(ref readdirErrors);
                Interlocked.Add(ref unknown, names.Count(n => !expected.Contains(n)));
            }
        };
        Action reader = () =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            var buf = new byte[4096];
            for (int i = 0; i < SharedLoops * 4; i++)
            {
                // EISDIR; or EINVAL when readdir left the position at a hash-ordered directory's EOF
                // cookie (ext4: 2^63-1), where pos + count overflows before the EISDIR check.
                long rd = Posix.Read(shared.Fd, buf);
                if (rd != -21 && rd != -22) { Interlocked.Increment(ref readNotEisdir); ctx.Full.WriteLine($"read: {rd}"); }
                // SEEK_SET must always work; SEEK_CUR may overflow from that same EOF cookie.
                bool set = i % 3 != 0;
                long r = Posix.Lseek(shared.Fd, i % 2 == 0 ? 0 : 1, set ? Posix.SEEK_SET : Posix.SEEK_CUR);
                if (r < 0 && (set || r != -22)) { Interlocked.Increment(ref lseekErrors); ctx.Full.WriteLine($"lseek: {Posix.ErrnoName(r)}"); }
            }
        };
        Action lister = () =>
        {
            using var own = FileDescriptor.Open(dir, Posix.O_RDONLY | Posix.O_DIRECTORY);
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            var names = new List<string>();
            for (int i = 0; i < PrivateLoops; i++)
            {
                names.Clear();
                Posix.Lseek(own.Fd, 0, Posix.SEEK_SET);
                if (DirEntries.ReadToEnd(own.Fd, names) == 0 && names.Count == expected.Count && expected.SetEquals(names))
                    complete++;
            }
        };
        Workers.Run(TimeSpan.FromSeconds(120), "readdir/read/lseek threads", readdir, reader, lister);
        ctx.Out.WriteLine($"shared readdir: {readdirErrors} errors, {unknown} unknown names");
        ctx.Out.WriteLine($"read on the directory: {(readNotEisdir == 0 ? "always EISDIR (or EINVAL at EOF)" : $"{readNotEisdir} times another result")}");
        ctx.Out.WriteLine($"lseek errors: {lseekErrors}");
        ctx.Out.WriteLine($"private readdir exact listings: {complete} of {PrivateLoops}");
    }
}
