using ClusterFs.Cli.Mount;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>
/// A ClusterFs image in a temp directory, mounted (nolock) through the real kernel at a fresh mount point under
/// <see cref="MemoryFsMount.Root"/>, in this process (the same wiring as `clusterfs mount --foreground`). Dispose
/// unmounts — even after a failed mount or test — and then checks the image with a read-only fsck, throwing when it
/// is not clean, so every test using a mount also proves the image consistent.
/// </summary>
public sealed class ClusterFsMount : IMountUnderTest, IDisposable
{
    private FuseMount? _mount;
    private ClusterFsFuse? _fs;
    private FsNode? _node;
    private readonly bool _ownsImageDir;
    private readonly ILockManager? _lockManager;
    private readonly bool _clustered;
    private readonly bool _fsckOnDispose = true;

    /// <summary>Formats a fresh image of <paramref name="size"/> bytes and mounts it.</summary>
    public ClusterFsMount() : this(null, 256L << 20)
    {
    }

    /// <summary>
    /// Mounts an existing <paramref name="image"/> (formatted for <paramref name="lockManager"/>'s protocol) as one node
    /// of a cluster; other mounts of the same image may run at the same time, so Dispose only unmounts (the caller runs
    /// <see cref="FsckImage"/> once every node is gone).
    /// </summary>
    public static ClusterFsMount Join(string image, ILockManager lockManager) => new(image, 0, lockManager);

    private ClusterFsMount(string? image, long size, ILockManager? lockManager = null)
    {
        _lockManager = lockManager;
        _clustered = lockManager is not null;
        _fsckOnDispose = lockManager is null;
        MemoryFsMount.RequireFuse();
        MemoryFsMount.EnsureStaleMountsCleaned();
        if (image is null)
        {
            _ownsImageDir = true;
            ImageDir = Directory.CreateTempSubdirectory("clusterfs-img-").FullName;
            Image = Path.Combine(ImageDir, "fs.img");
            Assert.True(ImageFileDevice.CreateSparse(Image, size).IsOk);
            using var dev = ImageFileDevice.Open(Image, readOnly: false, direct: false, out var oe) ?? throw new IOException($"open {Image}: {oe}");
            var e = Mkfs.Format(dev, new MkfsOptions(), out string? problem);
            if (!e.IsOk) throw new IOException($"mkfs {Image}: {problem}");
        }
        else
        {
            Image = image;
            ImageDir = Path.GetDirectoryName(image)!;
        }
        Directory.CreateDirectory(MemoryFsMount.Root);
        MountPoint = Path.Combine(MemoryFsMount.Root, "cfs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(MountPoint);
        try { MountImage(); }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The image file.</summary>
    public string Image { get; }

    public string ImageDir { get; }

    public string MountPoint { get; }

    /// <summary>The mounted node (for glock and inode inspection).</summary>
    public FsNode Node => _node ?? throw new InvalidOperationException("not mounted");

    public ClusterFsFuse Fs => _fs ?? throw new InvalidOperationException("not mounted");

    public string PathOf(string name) => Path.Combine(MountPoint, name);

    private void MountImage()
    {
        var dev = ImageFileDevice.Open(Image, readOnly: false, direct: false, out var oe) ?? throw new IOException($"open {Image}: {oe}");
        var e = FsNode.Mount(dev, new NodeOptions { OwnsDevice = true, Name = "test", LockManager = _lockManager, MinHoldTime = TimeSpan.Zero }, out _node, out string? problem);
        if (!e.IsOk)
        {
            dev.Dispose();
            throw new IOException($"mount {Image}: {problem}");
        }
        _fs = new ClusterFsFuse(_node!, _clustered, NullLogger.Instance);
        _mount = FuseMount.Mount(_fs, MountPoint, new FuseMountOptions
        {
            Loop = new FuseLoopOptions { MaxThreads = 8 },
            Session = new FuseSessionOptions { DefaultPermissions = true },
        });
        if (!_mount.WaitUntilLive(TimeSpan.FromSeconds(10)))
            throw new InvalidOperationException($"FUSE mount at {MountPoint} did not become live within 10 s");
        _fs.AttachSession(_mount.Session);
    }

    /// <summary>Unmounts (FUSE first, then the node, which writes back and marks the journal clean) and mounts the
    /// same image again at the same mount point.</summary>
    public void Remount()
    {
        Unmount();
        MountImage();
    }

    private void Unmount()
    {
        try { _mount?.Unmount(); }
        finally
        {
            _mount = null;
            _fs?.Dispose();
            _fs = null;
            var e = _node?.Unmount();
            _node = null;
            if (e is { IsOk: false }) throw new IOException($"node unmount of {Image} failed: {e}");
        }
    }

    /// <summary>Makes <paramref name="dir"/>/shared.img (256 MiB, sparse) formatted for two nodes with lock protocol
    /// <paramref name="protocol"/> and lock table <paramref name="table"/>, and returns its path.</summary>
    public static string FormatSharedImage(string dir, string table, string protocol = "lock_inproc")
    {
        string image = Path.Combine(dir, "shared.img");
        Assert.True(ImageFileDevice.CreateSparse(image, 256L << 20).IsOk);
        using var dev = ImageFileDevice.Open(image, readOnly: false, direct: false, out _)!;
        Assert.True(Mkfs.Format(dev, new MkfsOptions { Journals = 2, LockProtocol = protocol, LockTable = table }, out _).IsOk);
        return image;
    }

    /// <summary>Asserts that fsck -n finds nothing wrong with an unmounted image.</summary>
    public static void AssertFsckClean(string image)
    {
        var report = FsckImage(image);
        Assert.True(report.Problems.Count == 0 && report.OperationalError is null, string.Join("; ", report.Problems) + report.OperationalError);
    }

    /// <summary>Runs a read-only fsck (`clusterfs fsck -n`) of an unmounted image.</summary>
    public static FsckReport FsckImage(string image)
    {
        using var dev = ImageFileDevice.Open(image, readOnly: true, direct: false, out var oe) ?? throw new IOException($"open {image}: {oe}");
        return global::ClusterFs.Fs.Format.Fsck.Run(dev, null, repair: false);
    }

    public void Dispose()
    {
        try
        {
            Unmount();
            if (_fsckOnDispose && File.Exists(Image))
            {
                var report = FsckImage(Image);
                if (report.OperationalError is not null || report.Problems.Count > 0)
                    throw new InvalidOperationException($"fsck -n of {Image} after the test: {report.OperationalError} {string.Join("; ", report.Problems)}");
            }
        }
        finally
        {
            try
            {
                if (Directory.Exists(MountPoint) && MountTable.FindFuse(MountPoint) is null) Directory.Delete(MountPoint);
                if (_ownsImageDir) Directory.Delete(ImageDir, recursive: true);
            }
            catch (IOException)
            {
                // Left for the next run's stale cleanup.
            }
        }
    }
}
