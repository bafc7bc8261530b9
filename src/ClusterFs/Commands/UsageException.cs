namespace ClusterFs.Cli.Commands;

/// <summary>Bad command-line arguments: printed as one line with the command's usage, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
