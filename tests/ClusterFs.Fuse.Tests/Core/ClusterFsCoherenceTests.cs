using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Storage;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>
/// Cache coherence between two kernel mounts of one image, both ways: once a write through one mount has returned, a
/// read through the other sees it, with no wait in between (the writer's EX glock first demotes the reader's node,
/// whose Invalidate drops its page cache and tells its kernel). Also a regression test for flock: .NET opens take
/// a shared flock per handle, and the reopened handle below used to hang behind a pending NOCACHE demote.
/// </summary>
public sealed class ClusterFsCoherenceTests : IDisposable
{
    private const string Table = "test:coherence";
    private readonly string _dir = Directory.CreateTempSubdirectory("clusterfs-coh-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_read_right_after_a_write_returned_on_the_other_mount_sees_the_new_bytes()
    {
        string image = ClusterFsMount.FormatSharedImage(_dir, Table);
        var space = new InProcessLockSpace(Table, 2);
        using (var a = ClusterFsMount.Join(image, space.CreateManager()))
        using (var b = ClusterFsMount.Join(image, space.CreateManager()))
        {
            File.WriteAllBytes(a.PathOf("shared"), new byte[8192]);
            using var writer = File.OpenHandle(a.PathOf("shared"), FileMode.Open, FileAccess.ReadWrite);
            using var reader = File.OpenHandle(b.PathOf("shared"), FileMode.Open, FileAccess.Read);
            var page = new byte[8192];
            var seen = new byte[8192];
            for (int round = 1; round <= 60; round++)
            {
                Array.Fill(page, (byte)round);
                RandomAccess.Write(writer, page, 0);
                Assert.Equal(page.Length, RandomAccess.Read(reader, seen, 0));
                Assert.True(page.AsSpan().SequenceEqual(seen), $"round {round}: the other mount read {seen[0]}, not {round}");
                // And back: the reader's mount writes, the writer's mount reads.
                Array.Fill(page, (byte)(round + 100));
                using (var back = File.OpenHandle(b.PathOf("shared"), FileMode.Open, FileAccess.Write))
                    RandomAccess.Write(back, page, 0);
                Assert.Equal(page.Length, RandomAccess.Read(writer, seen, 0));
                Assert.True(page.AsSpan().SequenceEqual(seen), $"round {round}: the writer's mount read {seen[0]}, not {round + 100}");
            }
        }
        ClusterFsMount.AssertFsckClean(image);
    }
}
