using ClusterFs.Cli.Mount;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Cli.Commands;

/// <summary>`clusterfs glocks`: prints the glock dump of the node serving a mount, read from the mount's hidden
/// control file (<see cref="ClusterFsFuse.ControlFileName"/> at its root). Exit 0, or 1 when it is no ClusterFs mount.</summary>
public sealed class GlocksCommand : ICommand
{
    public string Name => "glocks";
    public string Usage => "glocks MOUNTPOINT";

    public int Run(IReadOnlyList<string> args, ILoggerFactory logging)
    {
        if (args.Count != 1 || args[0].StartsWith('-')) throw new UsageException("expected MOUNTPOINT");
        string path = Path.Combine(Path.GetFullPath(args[0]), ClusterFsFuse.ControlFileName);
        try
        {
            Console.Write(File.ReadAllText(path));
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"clusterfs glocks: {args[0]} is not a ClusterFs mount ({e.Message})");
            return 1;
        }
    }
}
