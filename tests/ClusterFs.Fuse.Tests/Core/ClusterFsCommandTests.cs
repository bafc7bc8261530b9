using System.Security.Cryptography;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>
/// The `clusterfs mount/umount/glocks` commands as child processes: bad input gives one clear line on stderr and a
/// non-zero exit without writing to the image; a foreground mount serves, shows its glocks, and unmounts cleanly on
/// `clusterfs umount` and on SIGTERM (journal clean: fsck -n passes).
/// </summary>
public sealed class ClusterFsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clusterfs-cmd-").FullName;
    private readonly string _mnt;

    public ClusterFsCommandTests()
    {
        MemoryFsMount.RequireFuse();
        MemoryFsMount.EnsureStaleMountsCleaned();
        Directory.CreateDirectory(MemoryFsMount.Root);
        _mnt = Path.Combine(MemoryFsMount.Root, "cmd-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_mnt);
    }

    public void Dispose()
    {
        if (MountTable.FindFuse(_mnt) is not null)
            ClusterFsCommand.Run(30, "umount", _mnt);
        try
        {
            if (MountTable.FindFuse(_mnt) is null) Directory.Delete(_mnt, recursive: true);
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Left for the next run's stale cleanup.
        }
    }

    private string MakeImage(string name = "fs.img")
    {
        string image = Path.Combine(_dir, name);
        var r = ClusterFsCommand.Run(60, "mkfs", image, "64M");
        Assert.True(r.Exit == 0, r.Err);
        return image;
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static void AssertOneLineFailure((int Exit, string Out, string Err) r, string expectedFragment)
    {
        Assert.NotEqual(0, r.Exit);
        string[] lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got: {r.Err}");
        Assert.Contains(expectedFragment, lines[0]);
    }

    [Fact]
    public void Mounting_a_file_that_is_not_a_ClusterFs_image_fails_with_one_line_and_leaves_it_unchanged()
    {
        string junk = Path.Combine(_dir, "junk.img");
        byte[] data = new byte[1 << 20];
        new Random(50).NextBytes(data);
        File.WriteAllBytes(junk, data);
        string before = Hash(junk);
        AssertOneLineFailure(ClusterFsCommand.Run(60, "mount", junk, _mnt, "--foreground"), "not a usable ClusterFs image");
        Assert.Equal(before, Hash(junk));
        Assert.Null(MountTable.FindFuse(_mnt));
    }

    [Fact]
    public void Mounting_a_missing_image_fails_with_one_line()
    {
        AssertOneLineFailure(ClusterFsCommand.Run(60, "mount", Path.Combine(_dir, "absent.img"), _mnt, "--foreground"), "cannot open image");
        Assert.False(File.Exists(Path.Combine(_dir, "absent.img")));
    }

    [Fact]
    public void Mounting_on_a_missing_mount_point_fails_with_one_line_and_leaves_the_image_unchanged()
    {
        string image = MakeImage();
        string before = Hash(image);
        AssertOneLineFailure(ClusterFsCommand.Run(60, "mount", image, Path.Combine(_dir, "nowhere"), "--foreground"), "does not exist");
        Assert.Equal(before, Hash(image));
    }

    [Fact]
    public void Mounting_a_corrupt_image_fails_with_one_line_and_leaves_it_unchanged()
    {
        string image = MakeImage();
        // Break the resource index: the superblock names its first block.
        long rindexBlock;
        int bs;
        using (var dev = ImageFileDevice.Open(image, readOnly: true, direct: false, out _)!)
        {
            Assert.True(Volume.Open(dev, null, null, out var v, out _).IsOk);
            rindexBlock = v!.Sb.RindexFirstBlock;
            bs = v.BlockSize;
            v.Dispose();
        }
        using (var f = new FileStream(image, FileMode.Open, FileAccess.Write))
        {
            f.Position = rindexBlock * bs;
            f.Write(new byte[bs].Select((_, i) => (byte)(i * 7 + 1)).ToArray());
        }
        string before = Hash(image);
        var r = ClusterFsCommand.Run(60, "mount", image, _mnt, "--foreground");
        AssertOneLineFailure(r, "not a usable ClusterFs image");
        Assert.Equal(before, Hash(image));
    }

    [Fact]
    public void An_unknown_lock_manager_fails_with_one_line_and_leaves_the_image_unchanged()
    {
        string image = MakeImage();
        string before = Hash(image);
        AssertOneLineFailure(ClusterFsCommand.Run(60, "mount", image, _mnt, "--lock-manager", "zookeeper://x:1", "--foreground"), "--lock-manager");
        Assert.Equal(before, Hash(image));
    }

    [Fact]
    public void Foreground_mount_serves_files_shows_glocks_refuses_a_second_mount_and_unmounts_cleanly_on_umount_and_on_SIGTERM()
    {
        string image = MakeImage();
        using (var server = ClusterFsCommand.Start("mount", image, _mnt, "--foreground"))
        {
            WaitForMount(server);
            File.WriteAllText(Path.Combine(_mnt, "hello"), "world");
            var g = ClusterFsCommand.Run(60, "glocks", _mnt);
            Assert.Equal(0, g.Exit);
            Assert.Contains("o:inode", g.Out);
            // A second mount on the same mount point is refused as busy, with the image untouched by it.
            string other = MakeImage("other.img");
            string otherBefore = Hash(other);
            AssertOneLineFailure(ClusterFsCommand.Run(60, "mount", other, _mnt, "--foreground"), "busy");
            Assert.Equal(otherBefore, Hash(other));
            // A second nolock mount of the image being served is refused before it writes anything.
            string second = Path.Combine(_dir, "second-mnt");
            Directory.CreateDirectory(second);
            AssertOneLineFailure(ClusterFsCommand.Run(60, "mount", image, second, "--foreground"), "in use");
            Assert.Null(MountTable.FindFuse(second));
            Assert.Equal(0, ClusterFsCommand.Run(60, "umount", _mnt).Exit);
            Assert.Equal(0, server.Wait(60).Exit);
        }
        Assert.Null(MountTable.FindFuse(_mnt));
        AssertFsckClean(image);
        using (var server = ClusterFsCommand.Start("mount", image, _mnt, "--foreground"))
        {
            WaitForMount(server);
            Assert.Equal("world", File.ReadAllText(Path.Combine(_mnt, "hello")));
            File.WriteAllText(Path.Combine(_mnt, "second"), "2");
            Assert.Equal(0, Kill(server.Pid, "TERM"));
            Assert.Equal(0, server.Wait(60).Exit);
        }
        Assert.Null(MountTable.FindFuse(_mnt));
        AssertFsckClean(image);
    }

    [Fact]
    public void Background_mount_returns_once_live_and_the_server_exits_cleanly_after_umount()
    {
        string image = MakeImage();
        var r = ClusterFsCommand.Run(60, "mount", image, _mnt);
        Assert.True(r.Exit == 0, r.Err);
        Assert.NotNull(MountTable.FindFuse(_mnt));
        File.WriteAllText(Path.Combine(_mnt, "bg"), "background");
        Assert.Equal(0, ClusterFsCommand.Run(60, "umount", _mnt).Exit);
        // The server holds an advisory flock on a nolock image until it has unmounted the node and exits.
        Assert.True(SpinWait.SpinUntil(() => ImageIsFree(image), TimeSpan.FromSeconds(30)), "the background server did not finish");
        AssertFsckClean(image);
    }

    private static bool ImageIsFree(string image)
    {
        try
        {
            using var f = new FileStream(image, FileMode.Open, FileAccess.Read, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int Kill(int pid, string signal)
    {
        using var p = System.Diagnostics.Process.Start("kill", $"-{signal} {pid}");
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(10)));
        return p.ExitCode;
    }

    private void WaitForMount(ClusterFsCommand server)
    {
        // Bounded: the mount shows in /proc/self/mountinfo, or the server exits (a failure), within 60 s.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (MountTable.FindFuse(_mnt) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "mount did not become live within 60 s");
            // Paces the poll on a real wait: returns early (and fails) when the server exits.
            Assert.False(server.WaitExited(TimeSpan.FromMilliseconds(50)), "the mount process exited before the mount became live");
        }
    }

    private static void AssertFsckClean(string image)
    {
        var r = ClusterFsCommand.Run(60, "fsck", "-n", image);
        Assert.True(r.Exit == 0, r.Out + r.Err);
    }
}
