using System.Diagnostics;
using ClusterFs.Fuse;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Cli.Commands;

/// <summary>`clusterfs umount`: detaches a ClusterFs FUSE mount (fusermount3 -u); the serving process then unmounts
/// the node cleanly and exits. Exit 0 unmounted, 1 not a FUSE mount or busy.</summary>
public sealed class UmountCommand : ICommand
{
    public string Name => "umount";
    public string Usage => "umount MOUNTPOINT";

    public int Run(IReadOnlyList<string> args, ILoggerFactory logging)
    {
        if (args.Count != 1 || args[0].StartsWith('-')) throw new UsageException("expected MOUNTPOINT");
        string mountPoint = Path.GetFullPath(args[0]);
        if (MountTable.FindFuse(mountPoint) is null)
        {
            Console.Error.WriteLine($"clusterfs umount: {mountPoint} is not a FUSE mount");
            return 1;
        }
        var psi = new ProcessStartInfo("fusermount3") { UseShellExecute = false, RedirectStandardError = true };
        psi.ArgumentList.Add("-u");
        psi.ArgumentList.Add(mountPoint);
        using var p = Process.Start(psi);
        if (p is null) { Console.Error.WriteLine("clusterfs umount: cannot run fusermount3"); return 1; }
        string err = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromSeconds(20)) || p.ExitCode != 0)
        {
            Console.Error.WriteLine($"clusterfs umount: {mountPoint}: {err.Trim().ReplaceLineEndings(" ")}");
            return 1;
        }
        return 0;
    }
}
