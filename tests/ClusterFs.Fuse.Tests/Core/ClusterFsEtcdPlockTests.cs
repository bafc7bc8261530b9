using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Storage;
using ClusterFs.Fs.Tests.Etcd;
using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>POSIX record locks through two FUSE mounts of one image locked through a private etcd: the lock table lives in
/// etcd, so a lock taken through one kernel mount refuses and then, once closed, grants a request through the other.</summary>
public sealed class ClusterFsEtcdPlockTests : IClassFixture<EtcdFixture>, IDisposable
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private readonly EtcdFixture _etcd;
    private readonly string _dir = Directory.CreateTempSubdirectory("clusterfs-etcd-plock-").FullName;

    public ClusterFsEtcdPlockTests(EtcdFixture etcd) => _etcd = etcd;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ILockManager Manager()
    {
        Assert.True(LockManagerFactory.TryCreate($"etcd://{_etcd.Authority}", out var m, out string why).IsOk, why);
        return m!;
    }

    [EtcdFact]
    public void A_posix_lock_through_one_etcd_locked_mount_refuses_the_other_until_its_descriptor_is_closed()
    {
        _etcd.EnsureAvailable();
        string image = ClusterFsMount.FormatSharedImage(_dir, _etcd.UniqueTable("fuse-plock"), "lock_etcd");
        using (var a = ClusterFsMount.Join(image, Manager()))
        using (var b = ClusterFsMount.Join(image, Manager()))
        {
            File.WriteAllText(a.PathOf("locked"), "0123456789");
            int fa = Libc.OpenOrThrow(a.PathOf("locked"), Libc.O_RDWR);
            int fb = Libc.OpenOrThrow(b.PathOf("locked"), Libc.O_RDWR);
            try
            {
                var held = new Libc.Flock { Type = Libc.F_WRLCK, Start = 0, Len = 10 };
                Assert.Equal(0, Libc.fcntl_lock(fa, Libc.F_SETLK, ref held));
                var want = new Libc.Flock { Type = Libc.F_RDLCK, Start = 9, Len = 0 };
                Assert.Equal(-1, Libc.fcntl_lock(fb, Libc.F_SETLK, ref want));
                Assert.Equal(Libc.EAGAIN, Libc.Errno);
                var probe = new Libc.Flock { Type = Libc.F_RDLCK, Start = 0, Len = 0 };
                Assert.Equal(0, Libc.fcntl_lock(fb, Libc.F_GETLK, ref probe));
                Assert.Equal((Libc.F_WRLCK, 0L, 10L), (probe.Type, probe.Start, probe.Len));

                int got = -2;
                var waiter = new Thread(() =>
                {
                    var w = new Libc.Flock { Type = Libc.F_WRLCK, Start = 0, Len = 0 };
                    got = Libc.fcntl_lock(fb, Libc.F_SETLKW, ref w);
                }) { IsBackground = true };
                waiter.Start();
                Assert.False(waiter.Join(TimeSpan.FromMilliseconds(300)), "SETLKW was granted while the other node held the lock");
                Libc.close(fa); // flush drops a's lock in etcd; b's waiter wakes on the watch event
                fa = -1;
                Assert.True(waiter.Join(s_bound), "closing the holder's descriptor did not release its lock for the other node");
                Assert.Equal(0, got);
            }
            finally
            {
                if (fa >= 0) Libc.close(fa);
                Libc.close(fb);
            }
        }
        var report = ClusterFsMount.FsckImage(image);
        Assert.True(report.Problems.Count == 0 && report.OperationalError is null, string.Join("; ", report.Problems) + report.OperationalError);
    }
}
