using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>flock(2) between open files of one ClusterFs mount.</summary>
public sealed class ClusterFsFlockTests : IClassFixture<ClusterFsMount>
{
    private readonly ClusterFsMount _mount;

    public ClusterFsFlockTests(ClusterFsMount mount) => _mount = mount;

    [Fact]
    public void Shared_flocks_of_several_open_files_come_and_go_while_one_stays_held()
    {
        string path = _mount.PathOf("flock-many");
        File.WriteAllText(path, "x");
        int held = Libc.OpenOrThrow(path, Libc.O_RDWR);
        try
        {
            Assert.Equal(0, Libc.flock(held, Libc.LOCK_SH | Libc.LOCK_NB));
            for (int i = 0; i < 5; i++)
            {
                // Before the fix, the first unlock below left a demote pending behind `held`, and this flock waited
                // for `held` forever (a LOCK_NB request that never answered).
                int result = -2;
                var t = new Thread(() =>
                {
                    int fd = Libc.OpenOrThrow(path, Libc.O_RDWR);
                    try
                    {
                        result = Libc.flock(fd, Libc.LOCK_SH | Libc.LOCK_NB);
                        if (result == 0) result = Libc.flock(fd, Libc.LOCK_UN);
                    }
                    finally { Libc.close(fd); }
                }) { IsBackground = true };
                t.Start();
                Assert.True(t.Join(TimeSpan.FromSeconds(10)), $"round {i}: a shared flock beside a held one never answered");
                Assert.Equal(0, result);
            }
            // .NET opens take the same shared flock (FileShare emulation): a second handle must open.
            using (File.OpenHandle(path, FileMode.Open, FileAccess.Read)) { }
            using (File.OpenHandle(path, FileMode.Open, FileAccess.Write)) { }
        }
        finally { Libc.close(held); }
    }
}
