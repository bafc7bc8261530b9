using System.Diagnostics;

namespace ClusterFs.Fuse.Tests.Core;

/// <summary>Runs the built `clusterfs` command (clusterfs.dll next to the tests) as a child process through `dotnet`,
/// with bounded waits; a child still running at the bound is killed and the test fails.</summary>
public sealed class ClusterFsCommand : IDisposable
{
    private static readonly string s_dll = Path.Combine(AppContext.BaseDirectory, "clusterfs.dll");
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private ClusterFsCommand(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(s_dll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        _stdout = _process.StandardOutput.ReadToEndAsync();
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts the command without waiting.</summary>
    public static ClusterFsCommand Start(params string[] args) => new(args);

    /// <summary>Runs the command to completion (at most <paramref name="seconds"/>): exit code, stdout, stderr.</summary>
    public static (int Exit, string Out, string Err) Run(int seconds, params string[] args)
    {
        using var c = Start(args);
        return c.Wait(seconds);
    }

    public int Pid => _process.Id;

    /// <summary>Waits up to <paramref name="timeout"/> for the child to exit; true when it has.</summary>
    public bool WaitExited(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>Waits for exit (bounded: kills the child and fails when it does not exit in time).</summary>
    public (int Exit, string Out, string Err) Wait(int seconds)
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"clusterfs did not exit within {seconds} s");
        }
        Assert.True(Task.WaitAll([_stdout, _stderr], TimeSpan.FromSeconds(10)));
        return (_process.ExitCode, _stdout.Result, _stderr.Result);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
