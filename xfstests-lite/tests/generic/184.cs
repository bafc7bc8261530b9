// generic/184: mknod makes working nodes — a fifo passes data, and a /dev/null-like character device
// (1,3) swallows writes and reads as empty.
using System.Text;
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/184", "metadata auto quick", Description = "mknod makes working nodes")]
public sealed class Generic184 : IXfsTest
{
    public void Run(TestContext ctx)
    {
        string fifo = ctx.PathOf("fifo");
        long r = Posix.Mknod(fifo, Posix.S_IFIFO | 0x1a4, 0, 0);
        // EPERM / ENOSYS / EOPNOTSUPP: the target has no mknod at all (xfstests' _require_mknod).
        if (r is -1 or -38 or -95) throw TestContext.NotRun($"mknod is not supported by the target ({Posix.ErrnoName(r)})");
        ctx.Out.WriteLine($"mknod fifo: {Posix.ErrnoName(r)}");
        bool fifoOk = false;
        if (r == 0)
        {
            ctx.Out.WriteLine($"fifo type: {TypeOf(fifo)}");
            // O_RDWR on a fifo never blocks on Linux, so one descriptor can write then read back.
            using var fd = FileDescriptor.Open(fifo, Posix.O_RDWR | Posix.O_NONBLOCK);
            long w = Posix.Write(fd.Fd, "through the fifo\n"u8);
            var buf = new byte[64];
            long n = Posix.Read(fd.Fd, buf);
            string back = n > 0 ? Encoding.ASCII.GetString(buf, 0, (int)n).TrimEnd() : Posix.ErrnoName(n);
            ctx.Out.WriteLine($"fifo wrote {w}, read back: {back}");
            fifoOk = w == 17 && back == "through the fifo";
        }

        string dev = ctx.PathOf("null");
        r = Posix.Mknod(dev, Posix.S_IFCHR | 0x1b6, 1, 3);
        // Only the device part may be notrun: a broken fifo is a failure even where devices are refused.
        if (r < 0 && !fifoOk) throw new InvalidOperationException("fifo part failed (see above)");
        if (r < 0)
            throw TestContext.NotRun($"mknod of a character device not permitted ({Posix.ErrnoName(r)}); fifo part passed");
        Posix.Statx(dev, out var st);
        ctx.Out.WriteLine($"char dev type: {TypeOf(dev)}, rdev {st.RdevMajor},{st.RdevMinor}");
        long open = FileDescriptor.TryOpen(dev, Posix.O_RDWR, out var nd);
        if (open < 0 || nd is null)
            throw TestContext.NotRun($"device nodes cannot be opened on this target ({Posix.ErrnoName(open)}, nodev?)");
        using (nd)
        {
            long w = Posix.Write(nd.Fd, "into the void\n"u8);
            long n = Posix.Read(nd.Fd, new byte[16]);
            ctx.Out.WriteLine($"char dev wrote {w}, read {n}");
        }
    }

    private static string TypeOf(string path)
    {
        Posix.Statx(path, out var st);
        return (st.Mode & Posix.S_IFMT) switch
        {
            Posix.S_IFIFO => "fifo",
            Posix.S_IFCHR => "character special file",
            _ => $"mode 0x{st.Mode:x}",
        };
    }
}
