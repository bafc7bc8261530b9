using System.Diagnostics;
using System.Runtime.InteropServices;
using ClusterFs.Cli.Mount;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Fuse;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Cli.Commands;

/// <summary>
/// `clusterfs mount`: mounts an image through FUSE. Foreground: serves until SIGINT/SIGTERM or an external unmount,
/// then unmounts cleanly (journal marked clean). Background (default): re-executes itself with --foreground, detached,
/// and returns once the mount is live. Every check that can fail on bad input runs before anything opens the image
/// for writing. Exit 0 success, 1 failure, 2 usage.
/// </summary>
public sealed class MountCommand : ICommand
{
    public string Name => "mount";
    public string Usage => "mount IMAGE MOUNTPOINT [--lock-manager nolock|etcd://HOST:PORT] [--journal N] [-o OPTIONS] [--foreground]";

    public int Run(IReadOnlyList<string> args, ILoggerFactory logging)
    {
        string spec = "nolock";
        int journal = -1;
        bool foreground = false;
        var extra = new List<string>();
        var positional = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{a} needs a value");
            switch (a)
            {
                case "--lock-manager": spec = Next(); break;
                case "--journal": journal = int.TryParse(Next(), out int j) && j >= 0 ? j : throw new UsageException("--journal needs a journal number"); break;
                case "-o": extra.AddRange(Next().Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
                case "-f" or "--foreground": foreground = true; break;
                default:
                    if (a.StartsWith('-')) throw new UsageException($"unknown option {a}");
                    positional.Add(a);
                    break;
            }
        }
        if (positional.Count != 2) throw new UsageException("expected IMAGE MOUNTPOINT");
        string image = positional[0], mountPoint = Path.GetFullPath(positional[1]);
        var e = CreateLockManager(spec, out var manager, out string why);
        if (!e.IsOk) return Fail($"--lock-manager {spec}: {why}");
        string? problem = Check(image, mountPoint);
        if (problem is not null) return Fail(problem);
        return foreground ? Serve(image, mountPoint, manager!, spec != "nolock", journal, extra, logging) : Detach(args, mountPoint, logging.CreateLogger("mount").IsEnabled(LogLevel.Debug));
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"clusterfs mount: {message}");
        return 1;
    }

    private static Iov.Errno CreateLockManager(string spec, out ILockManager? manager, out string why)
    {
        why = "";
        manager = null;
        if (spec is "nolock" or "lock_nolock") { manager = new NoLockManager(); return Iov.Errno.OK; }
        return LockManagerFactory.TryCreate(spec, out manager, out why);
    }

    /// <summary>Read-only checks: the image opens and holds a ClusterFs volume; the mount point is an unused directory.</summary>
    private static string? Check(string image, string mountPoint)
    {
        if (!Directory.Exists(mountPoint)) return $"mount point {mountPoint} does not exist or is not a directory";
        if (MountTable.Read().Any(m => m.MountPoint == mountPoint)) return $"mount point {mountPoint} is busy (already mounted)";
        using var dev = ImageFileDevice.Open(image, readOnly: true, direct: false, out var oe);
        if (dev is null) return $"cannot open image {image}: {oe}";
        var e = Volume.Open(dev, null, null, out var volume, out string? problem);
        if (!e.IsOk) return $"{image} is not a usable ClusterFs image: {problem}";
        volume!.Dispose();
        return null;
    }

    private static int Serve(string image, string mountPoint, ILockManager manager, bool clustered, int journal, List<string> extra, ILoggerFactory logging)
    {
        var log = logging.CreateLogger("mount");
        // nolock trusts that no other node mounts the image: make a second nolock mount on this machine fail cleanly
        // (an advisory flock on the image, held until exit) instead of corrupting it.
        FileStream? guard = null;
        if (!clustered)
        {
            try { guard = new FileStream(image, FileMode.Open, FileAccess.Read, FileShare.None); }
            catch (IOException) { return Fail($"{image} is in use by another nolock mount"); }
        }
        using var guardScope = guard;
        var dev = ImageFileDevice.Open(image, readOnly: false, direct: false, out var oe);
        if (dev is null) return Fail($"cannot open image {image} for writing: {oe}");
        var e = FsNode.Mount(dev, new NodeOptions { LockManager = manager, Journal = journal, OwnsDevice = true, Logger = log, Name = Environment.MachineName },
            out var node, out string? problem);
        if (!e.IsOk)
        {
            dev.Dispose();
            return Fail($"{image}: {problem ?? e.ToString()}");
        }
        using var stop = new ManualResetEventSlim();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        var fs = new ClusterFsFuse(node!, clustered, logging.CreateLogger("fuse"));
        FuseMount? mount = null;
        int rc = 0;
        try
        {
            var options = new FuseMountOptions { Session = new FuseSessionOptions { FsName = Path.GetFileName(image), ExtraOptions = extra, DefaultPermissions = true } };
            mount = FuseMount.Mount(fs, mountPoint, options, logging.CreateLogger("fuse"));
            if (!mount.WaitUntilLive(TimeSpan.FromSeconds(15))) { rc = Fail($"{mountPoint}: the FUSE mount did not become live"); return rc; }
            fs.AttachSession(mount.Session);
            log.LogInformation("mounted {Image} at {MountPoint} (journal {Jid}, {Manager})", image, mountPoint, node!.JournalId, manager.Protocol);
            // Until a signal or an unmount from outside (clusterfs umount / fusermount3 -u) ends the FUSE loop.
            while (!stop.Wait(TimeSpan.FromMilliseconds(250)) && !mount.LoopEnded)
            {
            }
            return rc;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or DllNotFoundException)
        {
            rc = Fail($"{mountPoint}: {ex.Message}");
            return rc;
        }
        finally
        {
            mount?.Unmount();
            fs.AttachSession(null);
            fs.Dispose();
            var ue = node!.Unmount();
            if (!ue.IsOk) { Console.Error.WriteLine($"clusterfs mount: {image}: unmount failed: {ue}"); rc = 1; }
            else log.LogInformation("unmounted {MountPoint}; journal clean", mountPoint);
        }
    }

    /// <summary>
    /// Starts `clusterfs mount ... --foreground` detached and waits (bounded) until the mount is live or the child
    /// exits (its error line is relayed). The child's output goes to pipes this process stops reading when it returns;
    /// later writes hit a closed pipe, which .NET's console ignores.
    /// </summary>
    private static int Detach(IReadOnlyList<string> args, string mountPoint, bool verbose)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        string self = Environment.GetCommandLineArgs()[0];
        if (self.EndsWith(".dll", StringComparison.Ordinal)) psi.ArgumentList.Add(self); // run as `dotnet clusterfs.dll`
        if (verbose) psi.ArgumentList.Add("--verbose");
        psi.ArgumentList.Add("mount");
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--foreground");
        using var child = Process.Start(psi);
        if (child is null) return Fail("cannot start the background mount process");
        var errors = new System.Text.StringBuilder();
        child.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        child.OutputDataReceived += (_, _) => { };
        child.BeginErrorReadLine();
        child.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (MountTable.FindFuse(mountPoint) is not null) return 0;
            if (child.WaitForExit(TimeSpan.FromMilliseconds(100)))
            {
                child.WaitForExit(); // drains the redirected output
                lock (errors) Console.Error.Write(errors.ToString());
                return child.ExitCode == 0 ? 1 : child.ExitCode;
            }
        }
        return Fail($"{mountPoint}: the background mount did not become live within 20 s");
    }
}
