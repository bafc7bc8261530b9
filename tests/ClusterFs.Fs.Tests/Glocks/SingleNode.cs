using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>One node on lock_nolock with a manual clock.</summary>
internal sealed class SingleNode : IDisposable
{
    public SingleNode()
    {
        Table = new GlockTable(new NoLockManager(), new GlockTableOptions { Clock = Clock });
        Assert.Equal(Iov.Errno.OK, Table.Mount("test:fs", 1));
    }

    public ManualGlockClock Clock { get; } = new();
    public GlockTable Table { get; }

    public void Quiesce() => Assert.True(Table.WaitForIdle(GlockCluster.Bound), "glock worker did not go idle");

    public void Dispose() => Table.Dispose();
}
