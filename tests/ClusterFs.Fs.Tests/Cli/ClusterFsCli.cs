using System.Diagnostics;

namespace ClusterFs.Fs.Tests.Cli;

/// <summary>Runs the built `clusterfs` command (clusterfs.dll, built through the test project's reference to
/// src/ClusterFs) as a child process with a bounded wait.</summary>
internal static class ClusterFsCli
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>What one run printed and returned.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>Non-empty stderr lines.</summary>
        public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>Path of clusterfs.dll next to this test assembly's output: artifacts/bin/ClusterFs/CONFIG/TFM/.</summary>
    public static string DllPath
    {
        get
        {
            // The test assembly runs from artifacts/bin/ClusterFs.Fs.Tests/CONFIG/TFM/.
            var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var config = tfm.Parent!;
            var bin = config.Parent!.Parent!;
            string path = Path.Combine(bin.FullName, "ClusterFs", config.Name, tfm.Name, "clusterfs.dll");
            Assert.True(File.Exists(path), $"clusterfs.dll not found at {path} (is src/ClusterFs built?)");
            return path;
        }
    }

    /// <summary>Runs `dotnet clusterfs.dll ARGS`; fails the test if it does not exit within a minute.</summary>
    public static Result Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(DllPath);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(s_timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"clusterfs {string.Join(' ', args)} did not exit within {s_timeout}");
        }
        Assert.True(Task.WaitAll([stdout, stderr], s_timeout), "clusterfs output streams did not close");
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Bytes allocated on disk for <paramref name="path"/> (st_blocks * 512, via stat(1)).</summary>
    public static long AllocatedBytes(string path)
    {
        var psi = new ProcessStartInfo("stat") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("%b %B");
        psi.ArgumentList.Add(path);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(s_timeout), "stat did not exit");
        Assert.True(output.Wait(s_timeout));
        var parts = output.Result.Trim().Split(' ');
        return long.Parse(parts[0]) * long.Parse(parts[1]);
    }
}
