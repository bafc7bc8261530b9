using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using ClusterFs.Fuse.Native;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterFs.Fuse;

/// <summary>
/// A live FUSE mount: a session mounted at a path, its multi-threaded loop on a background thread,
/// and an <see cref="Unmount"/> that is safe to call twice and from teardown. Unmount tries a
/// normal umount, falls back to a lazy one (fusermount3 -u -z) when the mount is busy, lets open
/// files drain for a bounded time, then aborts the connection; only then is the session destroyed.
/// </summary>
public sealed unsafe class FuseMount : IDisposable
{
    private const int EPERM = 1;
    private const int EBUSY = 16;

    private readonly FuseMountOptions _options;
    private readonly ILogger _logger;
    private readonly Thread _loopThread;
    private readonly ManualResetEventSlim _loopDone = new(false);
    // Serialises Unmount/Dispose; nothing else is taken under it.
    private readonly object _unmountLock = new();
    private bool _unmounted;
    private int _loopResult;
    private MountTable.Entry? _entry;

    private FuseMount(FuseSession session, string mountPoint, FuseMountOptions options, ILogger logger)
    {
        Session = session;
        MountPoint = mountPoint;
        _options = options;
        _logger = logger;
        _loopThread = new Thread(RunLoop) { IsBackground = true, Name = "fuse-loop " + mountPoint };
    }

    /// <summary>The absolute mount point.</summary>
    public string MountPoint { get; }

    /// <summary>The session (for notify calls and the negotiated connection).</summary>
    public FuseSession Session { get; }

    /// <summary>True once the loop has returned.</summary>
    public bool LoopEnded => _loopDone.IsSet;

    /// <summary>The loop's return value (0, -errno or a signal number); valid once <see cref="LoopEnded"/>.</summary>
    public int LoopResult => _loopResult;

    /// <summary>
    /// Creates a session for <paramref name="fs"/>, mounts it at <paramref name="mountPoint"/> and starts
    /// the loop. Throws IOException when the mount fails (libfuse prints the reason on stderr).
    /// Use <see cref="WaitUntilLive"/> before relying on the mount.
    /// </summary>
    public static FuseMount Mount(IFuseFileSystem fs, string mountPoint, FuseMountOptions? options = null, ILogger? logger = null)
    {
        options ??= new FuseMountOptions();
        logger ??= NullLogger.Instance;
        string path = Path.GetFullPath(mountPoint).TrimEnd('/');
        if (path.Length == 0)
            path = "/";
        if (!Directory.Exists(path))
            throw new ArgumentException($"mount point {path} is not a directory", nameof(mountPoint));
        FuseSession session = FuseSession.Create(fs, options.Session, logger);
        if (!session.Mount(path).IsOk)
        {
            session.Dispose();
            throw new IOException($"fuse_session_mount failed for {path}");
        }
        var m = new FuseMount(session, path, options, logger);
        m._loopThread.Start();
        return m;
    }

    /// <summary>
    /// Waits (bounded) until the kernel's INIT has been answered and the mount is in the mount
    /// table; returns false on timeout or if the loop ended first.
    /// </summary>
    public bool WaitUntilLive(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        if (!Session.WaitForInit(timeout))
            return false;
        _entry = MountTable.FindFuse(MountPoint);
        if (_entry is null || LoopEnded)
            return false;
        // A getattr round trip proves the loop answers, not only that INIT was seen.
        var remaining = timeout - sw.Elapsed;
        var probe = Task.Run(() => Directory.Exists(MountPoint));
        return remaining > TimeSpan.Zero && probe.Wait(remaining) && probe.Result;
    }

    /// <summary>
    /// Unmounts and destroys the session. Safe to call more than once and after the mount was removed
    /// from outside. Returns after the loop has ended, or logs and gives up (leaking the session
    /// rather than freeing it under running workers) if it does not end in time.
    /// </summary>
    public void Unmount()
    {
        lock (_unmountLock)
        {
            if (_unmounted)
                return;
            _unmounted = true;
            // Not fuse_session_exit first: workers leave the loop after their next request, and
            // requests still to come (fusermount3's lookups, open files draining) would hang.
            if (!LoopEnded)
                DetachKernelSideLocked();
            Session.Exit();
            if (!_loopDone.Wait(_options.LoopExitTimeout))
            {
                _logger.LogError("FUSE loop for {MountPoint} did not end within {Timeout}; session leaked", MountPoint, _options.LoopExitTimeout);
                return;
            }
            Session.Unmount();
            Session.Dispose();
        }
    }

    /// <summary>Same as <see cref="Unmount"/>.</summary>
    public void Dispose() => Unmount();

    /// <summary>
    /// Lazily unmounts every FUSE mount at or under <paramref name="directory"/> (left behind by a
    /// crashed run); returns how many were removed.
    /// </summary>
    public static int CleanupStaleMounts(string directory)
    {
        string root = Path.GetFullPath(directory).TrimEnd('/');
        int n = 0;
        List<MountTable.Entry> all = MountTable.Read();
        // Deepest first so nested mounts go before their parents.
        all.Sort((a, b) => b.MountPoint.Length.CompareTo(a.MountPoint.Length));
        foreach (MountTable.Entry e in all)
        {
            if (!MountTable.IsFuse(e.FsType) || !(e.MountPoint == root || e.MountPoint.StartsWith(root + "/", StringComparison.Ordinal)))
                continue;
            AbortConnection(e);
            if (Umount(e.MountPoint, Libc.MNT_DETACH) == 0)
                n++;
        }
        return n;
    }

    private void RunLoop()
    {
        try
        {
            _loopResult = Session.RunLoop(_options.Loop);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "FUSE loop for {MountPoint} failed", MountPoint);
            _loopResult = -Errno.EIO.Value;
        }
        finally
        {
            _loopDone.Set();
        }
    }

    private void DetachKernelSideLocked()
    {
        _entry ??= MountTable.FindFuse(MountPoint);
        if (Umount(MountPoint, 0) == 0)
            return; // The superblock is gone, the connection aborted, the loop's reads fail with ENODEV.
        int err = Marshal.GetLastPInvokeError();
        // Not root: the setuid fusermount3 may unmount what this user mounted.
        if (err == EPERM && Fusermount(lazy: false))
            return;
        if (err is EBUSY or EPERM)
        {
            _logger.LogWarning("{MountPoint} is busy; unmounting lazily", MountPoint);
            if (!Fusermount(lazy: true))
                Umount(MountPoint, Libc.MNT_DETACH);
            // Open files keep the superblock (and the loop) alive; give them a bounded time.
            if (_loopDone.Wait(_options.BusyDrainTimeout))
                return;
        }
        if (_entry is MountTable.Entry e)
            AbortConnection(e);
    }

    private bool Fusermount(bool lazy)
    {
        try
        {
            var psi = new ProcessStartInfo("fusermount3") { RedirectStandardError = true, RedirectStandardOutput = true };
            psi.ArgumentList.Add("-u");
            if (lazy)
                psi.ArgumentList.Add("-z");
            psi.ArgumentList.Add(MountPoint);
            using Process p = Process.Start(psi)!;
            if (!p.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                p.Kill();
                return false;
            }
            return p.ExitCode == 0;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            _logger.LogWarning(ex, "fusermount3 is not usable; falling back to umount2(MNT_DETACH)");
            return false;
        }
    }

    /// <summary>Aborts a FUSE connection through fusectl: every pending and future request fails, the loop's reads get ENODEV.</summary>
    private static void AbortConnection(MountTable.Entry e)
    {
        // fusectl names connections by the kernel's dev_t; for anonymous (major 0) devices that is the minor.
        string abort = $"{FuseCtl}/{(e.Major << 20) | e.Minor}/abort";
        try
        {
            EnsureFuseCtl();
            if (File.Exists(abort))
                File.WriteAllText(abort, "1");
        }
        catch (IOException)
        {
            // Already gone: nothing to abort.
        }
        catch (UnauthorizedAccessException)
        {
            // Not root: the lazy unmount is all we can do.
        }
    }

    private const string FuseCtl = "/sys/fs/fuse/connections";

    // fusectl is normally mounted by systemd; in a bare container it may not be, and aborting a
    // connection whose mount was detached lazily has no other handle.
    private static void EnsureFuseCtl()
    {
        if (!Directory.Exists(FuseCtl) || MountTable.Read().Any(m => m.FsType == "fusectl" && m.MountPoint == FuseCtl))
            return;
        fixed (byte* src = "fusectl\0"u8)
        fixed (byte* dst = "/sys/fs/fuse/connections\0"u8)
            Libc.mount(src, dst, src, 0, null);
    }

    private static int Umount(string path, int flags)
    {
        byte[] p = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, p);
        fixed (byte* pp = p)
            return Libc.umount2(pp, flags);
    }
}
