// generic/236: link(2) updates the ctime of the file linked (its link count changed).
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/236", "auto quick metadata", Description = "ctime updated on link")]
public sealed class Generic236 : IXfsTest
{
    public void Run(TestContext ctx)
    {
        string file = ctx.PathOf("file"), link = ctx.PathOf("link"), clock = ctx.PathOf("clock");
        File.WriteAllText(file, "x");
        Posix.Statx(file, out var before);
        ctx.Out.WriteLine($"nlink before: {before.Nlink}");
        // The original sleeps a second; instead wait (bounded) until the filesystem's own timestamp
        // clock has moved past the file's ctime, by touching a probe file until its ctime is later.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            File.WriteAllText(clock, "tick");
            Posix.Statx(clock, out var c);
            if (Later(c, before)) break;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the filesystem's timestamps never advanced");
        }
        long r = Posix.Link(file, link);
        ctx.Out.WriteLine($"link: {Posix.ErrnoName(r)}");
        Posix.Statx(file, out var after);
        ctx.Out.WriteLine($"nlink after: {after.Nlink}");
        ctx.Out.WriteLine(Later(after, before) ? "ctime updated" : $"ctime NOT updated ({before.CtimeSec}.{before.CtimeNsec:D9} -> {after.CtimeSec}.{after.CtimeNsec:D9})");
        Posix.Statx(link, out var viaLink);
        ctx.Out.WriteLine(viaLink.Ino == after.Ino ? "link names the same inode" : "link names another inode");
    }

    private static bool Later(StatxBuffer a, StatxBuffer b) =>
        a.CtimeSec > b.CtimeSec || (a.CtimeSec == b.CtimeSec && a.CtimeNsec > b.CtimeNsec);
}
