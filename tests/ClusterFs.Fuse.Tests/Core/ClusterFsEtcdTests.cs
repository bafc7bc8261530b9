using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Storage;
using ClusterFs.Fs.Tests.Etcd;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>
/// Two FUSE mounts of one image as two nodes locked through a private etcd (the etcd lock manager, as
/// `clusterfs mount --lock-manager etcd://HOST:PORT` uses it): what one kernel mount writes, the other reads.
/// </summary>
public sealed class ClusterFsEtcdTests : IClassFixture<EtcdFixture>, IDisposable
{
    private readonly EtcdFixture _etcd;
    private readonly string _dir = Directory.CreateTempSubdirectory("clusterfs-etcd-fuse-").FullName;

    public ClusterFsEtcdTests(EtcdFixture etcd) => _etcd = etcd;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ILockManager Manager()
    {
        Assert.True(LockManagerFactory.TryCreate($"etcd://{_etcd.Authority}", out var m, out string why).IsOk, why);
        return m!;
    }

    [EtcdFact]
    public void Data_written_through_one_etcd_locked_mount_is_read_through_the_other()
    {
        _etcd.EnsureAvailable();
        string image = ClusterFsMount.FormatSharedImage(_dir, _etcd.UniqueTable("fuse"), "lock_etcd");
        using (var a = ClusterFsMount.Join(image, Manager()))
        using (var b = ClusterFsMount.Join(image, Manager()))
        {
            byte[] data = new byte[200_000];
            new Random(60).NextBytes(data);
            File.WriteAllBytes(a.PathOf("big"), data);
            Assert.Equal(data, File.ReadAllBytes(b.PathOf("big")));
            new Random(61).NextBytes(data);
            long sentBefore = b.Fs.InvalidationsSent;
            File.WriteAllBytes(a.PathOf("big"), data);
            Assert.True(SpinWait.SpinUntil(() => b.Fs.InvalidationsSent > sentBefore, TimeSpan.FromSeconds(20)),
                "no notify_inval_inode was sent for the reader's mount");
            Assert.Equal(data, File.ReadAllBytes(b.PathOf("big")));
        }
        var report = ClusterFsMount.FsckImage(image);
        Assert.True(report.Problems.Count == 0 && report.OperationalError is null, string.Join("; ", report.Problems) + report.OperationalError);
    }
}
