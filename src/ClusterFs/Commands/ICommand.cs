using Microsoft.Extensions.Logging;

namespace ClusterFs.Cli.Commands;

/// <summary>One `clusterfs` sub-command. Errors are reported as one line on stderr and an exit code.</summary>
public interface ICommand
{
    /// <summary>The word after `clusterfs` that selects this command.</summary>
    string Name { get; }

    /// <summary>One-line usage, e.g. "mkfs [-j JOURNALS] IMAGE [SIZE]".</summary>
    string Usage { get; }

    /// <summary>Runs the command. Returns the process exit code (0 success, 1 failure, 2 usage error).
    /// Throws <see cref="UsageException"/> for bad arguments.</summary>
    int Run(IReadOnlyList<string> args, ILoggerFactory logging);
}
