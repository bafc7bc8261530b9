using ClusterFs.Cli.Commands;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Cli;

public static class Program
{
    public static int Main(string[] argv)
    {
        var args = argv.ToList();
        bool verbose = args.Remove("--verbose") | args.Remove("-v");
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(Console.Out);
            return args.Count == 0 ? 2 : 0;
        }

        var command = CommandTable.Find(args[0]);
        if (command is null)
        {
            Console.Error.WriteLine($"clusterfs: unknown command '{args[0]}' (try 'clusterfs --help')");
            return 2;
        }

        using var logging = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning));
        try
        {
            return command.Run(args.Skip(1).ToList(), logging);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"clusterfs {command.Name}: {e.Message} (usage: clusterfs {command.Usage})");
            return 2;
        }
    }

    private static void PrintUsage(TextWriter w)
    {
        w.WriteLine("usage: clusterfs [--verbose] COMMAND [ARGS]");
        foreach (var c in CommandTable.All) w.WriteLine($"  clusterfs {c.Usage}");
    }
}
