namespace ClusterFs.Cli.Commands;

/// <summary>Every `clusterfs` sub-command, in the order `clusterfs --help` lists them.</summary>
public static class CommandTable
{
    public static IReadOnlyList<ICommand> All { get; } =
    [
        // one line per command; keep the list sorted by the order users meet them
        new MkfsCommand(),
        new FsckCommand(),
        new MountCommand(),
        new UmountCommand(),
        new GlocksCommand(),
        new DemoCommand(),
    ];

    public static ICommand? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
