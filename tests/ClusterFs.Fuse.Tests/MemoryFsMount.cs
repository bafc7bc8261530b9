using ClusterFs.Fuse.Tests.Doubles;

namespace ClusterFs.Fuse.Tests;

/// <summary>
/// A <see cref="MemoryFs"/> mounted through the real kernel under a fresh temp directory; unmounted
/// (and the directory removed) on Dispose, even when mounting failed half-way. The first mount of
/// a test run lazily unmounts whatever a crashed earlier run left under <see cref="Root"/>.
/// </summary>
public sealed class MemoryFsMount : IMountUnderTest, IDisposable
{
    public const string Root = "/tmp/clusterfs-fuse-tests";
    private static readonly Lazy<int> s_staleCleanup = new(() => FuseMount.CleanupStaleMounts(Root));

    private readonly FuseMount? _mount;

    public MemoryFsMount() : this(new FuseMountOptions { Loop = new FuseLoopOptions { MaxThreads = 8 } })
    {
    }

    internal MemoryFsMount(FuseMountOptions options, MemoryFs? fs = null)
    {
        RequireFuse();
        EnsureStaleMountsCleaned();
        Directory.CreateDirectory(Root);
        MountPoint = Directory.CreateTempSubdirectory("mnt-").FullName;
        // CreateTempSubdirectory uses $TMPDIR; keep mounts under Root so stale ones can be found.
        Directory.Delete(MountPoint);
        MountPoint = Path.Combine(Root, Path.GetFileName(MountPoint));
        Directory.CreateDirectory(MountPoint);
        Fs = fs ?? new MemoryFs();
        try
        {
            _mount = FuseMount.Mount(Fs, MountPoint, options);
            if (!_mount.WaitUntilLive(TimeSpan.FromSeconds(10)))
                throw new InvalidOperationException($"FUSE mount at {MountPoint} did not become live within 10 s");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string MountPoint { get; }

    internal MemoryFs Fs { get; }

    public FuseMount Mount => _mount ?? throw new InvalidOperationException("not mounted");

    /// <summary>The path of <paramref name="name"/> inside the mount.</summary>
    public string PathOf(string name) => Path.Combine(MountPoint, name);

    public void Dispose()
    {
        try
        {
            _mount?.Unmount();
        }
        finally
        {
            try
            {
                if (Directory.Exists(MountPoint) && MountTable.FindFuse(MountPoint) is null)
                    Directory.Delete(MountPoint);
            }
            catch (IOException)
            {
                // Left for the next run's stale cleanup.
            }
        }
    }

    /// <summary>
    /// Runs the once-per-process cleanup of stale mounts under <see cref="Root"/>; anything that
    /// mounts under Root must call it first, or the cleanup could take its mount for a stale one.
    /// </summary>
    public static void EnsureStaleMountsCleaned() => _ = s_staleCleanup.Value;

    /// <summary>Fails with a clear message when the machine cannot mount FUSE at all.</summary>
    public static void RequireFuse()
    {
        if (!File.Exists("/dev/fuse"))
            throw new InvalidOperationException("/dev/fuse is missing: FUSE mount tests need the fuse kernel module and /dev/fuse (run as root, or in a container with --device /dev/fuse)");
    }
}
