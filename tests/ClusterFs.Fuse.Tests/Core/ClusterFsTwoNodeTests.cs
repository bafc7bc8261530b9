using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Storage;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>
/// Two FUSE mounts of one image as two nodes of a cluster (the in-process lock manager: one lock space, two
/// managers): data written through one kernel mount is read through the other, which needs the writer's glock to
/// demote the reader's (whose Invalidate queues a notify_inval_inode that drops the reader's kernel cache).
/// </summary>
public sealed class ClusterFsTwoNodeTests : IDisposable
{
    private const string Table = "test:fs";
    private readonly string _dir = Directory.CreateTempSubdirectory("clusterfs-2n-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Writes_through_one_mount_are_read_through_the_other_after_the_glock_moves()
    {
        string image = Path.Combine(_dir, "shared.img");
        Assert.True(ImageFileDevice.CreateSparse(image, 256L << 20).IsOk);
        using (var dev = ImageFileDevice.Open(image, readOnly: false, direct: false, out _)!)
            Assert.True(Mkfs.Format(dev, new MkfsOptions { Journals = 2, LockProtocol = "lock_inproc", LockTable = Table }, out _).IsOk);
        var space = new InProcessLockSpace(Table, 2);
        using (var a = ClusterFsMount.Join(image, space.CreateManager()))
        using (var b = ClusterFsMount.Join(image, space.CreateManager()))
        {
            File.WriteAllText(a.PathOf("shared"), "first version");
            Assert.Equal("first version", File.ReadAllText(b.PathOf("shared")));
            long sentBefore = b.Fs.InvalidationsSent;
            File.WriteAllText(a.PathOf("shared"), "the second, longer version");
            // a's EX request demoted b's glock; b's kernel cache is dropped by its invalidation thread.
            Assert.True(SpinWait.SpinUntil(() => b.Fs.InvalidationsSent > sentBefore, TimeSpan.FromSeconds(10)),
                "no notify_inval_inode was sent for the reader's mount");
            Assert.Equal("the second, longer version", File.ReadAllText(b.PathOf("shared")));
            Directory.CreateDirectory(b.PathOf("from-b"));
            File.WriteAllText(Path.Combine(b.PathOf("from-b"), "x"), "made on b");
            Assert.Equal("made on b", File.ReadAllText(Path.Combine(a.PathOf("from-b"), "x")));
        }
        var report = ClusterFsMount.FsckImage(image);
        Assert.True(report.Problems.Count == 0 && report.OperationalError is null, string.Join("; ", report.Problems) + report.OperationalError);
    }
}
