using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Storage;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>
/// The iopen glock through two real FUSE mounts of one image: a file open through one mount keeps its data when the
/// other mount unlinks it (its blocks are not handed to a file written meanwhile), and it is freed once closed, so
/// fsck after both unmounts finds nothing leaked.
/// </summary>
public sealed class ClusterFsTwoNodeUnlinkTests : IDisposable
{
    private const string Table = "test:iopen";
    private readonly string _dir = Directory.CreateTempSubdirectory("clusterfs-iopen-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_file_open_through_one_mount_keeps_its_data_when_the_other_mount_unlinks_it_and_is_freed_after_close()
    {
        string image = ClusterFsMount.FormatSharedImage(_dir, Table);
        var space = new InProcessLockSpace(Table, 2);
        var data = new byte[1 << 20];
        new Random(3).NextBytes(data);
        using (var a = ClusterFsMount.Join(image, space.CreateManager()))
        using (var b = ClusterFsMount.Join(image, space.CreateManager()))
        {
            File.WriteAllBytes(a.PathOf("doomed"), data);
            using (var open = new FileStream(a.PathOf("doomed"), FileMode.Open, FileAccess.Read))
            {
                File.Delete(b.PathOf("doomed"));
                Assert.False(File.Exists(a.PathOf("doomed")));
                // Had b freed the file, these blocks would be reused; b's unlink also dropped a's kernel cache, so
                // the read below comes from the image.
                var other = new byte[data.Length];
                new Random(4).NextBytes(other);
                File.WriteAllBytes(b.PathOf("other"), other);
                var back = new byte[data.Length];
                open.ReadExactly(back);
                Assert.Equal(data, back);
            }
        }
        ClusterFsMount.AssertFsckClean(image);
    }
}
