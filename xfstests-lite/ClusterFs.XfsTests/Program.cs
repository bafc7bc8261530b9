using ClusterFs.XfsTests.Fsx;
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests;

/// <summary>Entry point: <c>check ARGS</c> runs the harness, <c>fsx ARGS FILE</c> the exerciser.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "check") return CheckCommand.Execute(args[1..], Console.Out);
        if (args.Length > 0 && args[0] == "fsx") return FsxCommand.Execute(args[1..], Console.Out);
        Console.Error.WriteLine("usage: xfstests-lite check ARGS | fsx ARGS FILE");
        return 2;
    }
}
