// generic/285: SEEK_DATA and SEEK_HOLE find data and holes (empty file, data only, hole only,
// hole-data-hole, data-hole-data, before and after fsync, and past EOF).
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Harness;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Generic;

[XfsTest("generic/285", "auto quick rw", Description = "SEEK_DATA/SEEK_HOLE sanity")]
public sealed class Generic285 : IXfsTest
{
    private const long M = 1 << 20, K64 = 64 << 10;

    public void Run(TestContext ctx)
    {
        RequireHoles(ctx);
        Case(ctx, "empty file", _ => { }, [(Posix.SEEK_DATA, 0), (Posix.SEEK_HOLE, 0)]);
        Case(ctx, "data only", fd => Write(fd, 0, K64),
            [(Posix.SEEK_DATA, 0), (Posix.SEEK_DATA, 1000), (Posix.SEEK_HOLE, 0), (Posix.SEEK_HOLE, 1000), (Posix.SEEK_DATA, K64), (Posix.SEEK_HOLE, K64)]);
        Case(ctx, "hole only", fd => Posix.Ftruncate(fd, 2 * M),
            [(Posix.SEEK_DATA, 0), (Posix.SEEK_HOLE, 0), (Posix.SEEK_HOLE, M), (Posix.SEEK_HOLE, 2 * M)]);
        Case(ctx, "hole data hole", fd => { Posix.Ftruncate(fd, 3 * M); Write(fd, M, K64); },
            [(Posix.SEEK_DATA, 0), (Posix.SEEK_HOLE, 0), (Posix.SEEK_DATA, M), (Posix.SEEK_HOLE, M), (Posix.SEEK_DATA, M + K64), (Posix.SEEK_HOLE, M + K64), (Posix.SEEK_DATA, 3 * M), (Posix.SEEK_HOLE, 3 * M)]);
        Case(ctx, "data hole data", fd => { Write(fd, 0, K64); Write(fd, 2 * M, K64); },
            [(Posix.SEEK_DATA, 0), (Posix.SEEK_HOLE, 0), (Posix.SEEK_DATA, K64), (Posix.SEEK_HOLE, K64), (Posix.SEEK_DATA, 2 * M), (Posix.SEEK_HOLE, 2 * M), (Posix.SEEK_DATA, 2 * M + K64 - 1)]);
        Case(ctx, "data hole data, fsynced", fd => { Write(fd, 0, K64); Write(fd, 2 * M, K64); Posix.Fsync(fd); },
            [(Posix.SEEK_DATA, K64), (Posix.SEEK_HOLE, 0), (Posix.SEEK_HOLE, 2 * M)]);
    }

    // A filesystem without SEEK_HOLE support reports the whole file as data (the generic llseek).
    private static void RequireHoles(TestContext ctx)
    {
        using var fd = FileDescriptor.Open(ctx.PathOf("probe"), Posix.O_RDWR | Posix.O_CREAT);
        Posix.Ftruncate(fd.Fd, 2 * M);
        Write(fd.Fd, M, K64);
        long hole = Posix.Lseek(fd.Fd, 0, Posix.SEEK_HOLE);
        if (hole < 0 || hole == 2 * M)
            throw TestContext.NotRun("the target does not report holes with SEEK_HOLE");
    }

    private static void Case(TestContext ctx, string name, Action<int> setup, (int Whence, long Offset)[] seeks)
    {
        string path = ctx.PathOf(name.Replace(' ', '_').Replace(",", ""));
        using var fd = FileDescriptor.Open(path, Posix.O_RDWR | Posix.O_CREAT | Posix.O_TRUNC);
        setup(fd.Fd);
        ctx.Out.WriteLine($"{name} (size {Posix.Lseek(fd.Fd, 0, Posix.SEEK_END)}):");
        foreach (var (whence, offset) in seeks)
        {
            long r = Posix.Lseek(fd.Fd, offset, whence);
            string how = whence == Posix.SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE";
            ctx.Out.WriteLine($"  {how} {offset} -> {(r < 0 ? Posix.ErrnoName(r) : r.ToString())}");
        }
    }

    private static void Write(int fd, long offset, long length)
    {
        byte[] data = Pattern.Make((int)length, 285, offset);
        if (Posix.Pwrite(fd, data, offset) != length) throw new IOException("short write in setup");
    }
}
