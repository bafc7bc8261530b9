using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>Makes filesystems on memory devices and mounts nodes over them; checks them with fsck.</summary>
internal static class FsHarness
{
    public const string LockTable = "test:fs";

    public static MemoryBlockDevice NewDevice(int journals = 1, string protocol = "lock_nolock", long size = 96L << 20)
    {
        var dev = new MemoryBlockDevice(size);
        var e = Mkfs.Format(dev, new MkfsOptions
        {
            Journals = journals, JournalBytes = 2L << 20, RgrpBytes = 32L << 20, LockProtocol = protocol, LockTable = LockTable,
        }, out var problem);
        Assert.True(e.IsOk, problem);
        return dev;
    }

    public static FsNode Mount(IBlockDevice dev, ILockManager? manager = null, string name = "node")
    {
        var e = FsNode.Mount(dev, new NodeOptions { LockManager = manager, Name = name, MinHoldTime = TimeSpan.Zero }, out var node, out var problem);
        Assert.True(e.IsOk, $"mount: {e}: {problem}");
        return node!;
    }

    public static void AssertFsckClean(IBlockDevice dev)
    {
        var report = Fsck.Run(dev, null, repair: false);
        Assert.True(report.Clean, report.ToString());
    }

    /// <summary>Deterministic bytes for a file range (a function of the offset and a seed).</summary>
    public static byte[] Pattern(int length, int seed, long offset = 0)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte)((offset + i) * 31 + seed * 7 + ((offset + i) >> 12));
        return b;
    }

    /// <summary>Bounded wait for threads the test started (the tests are synchronous on purpose: a deadlock is
    /// detected by the bound, and the test then tears the nodes down).</summary>
    public static bool WaitAll(TimeSpan timeout, params Task[] tasks) => Task.WaitAll(tasks, timeout);

    /// <summary>The result of a task already known to have completed.</summary>
    public static T Done<T>(Task<T> task)
    {
        Assert.True(task.IsCompleted);
        return task.GetAwaiter().GetResult();
    }

    public static void Ok(Errno e) => Assert.Equal(Errno.OK, e);
}
