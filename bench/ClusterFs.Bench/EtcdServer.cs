using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ClusterFs.Bench;

/// <summary>A private etcd for a benchmark process: free loopback ports, a temporary data directory, killed and deleted on dispose.</summary>
public sealed class EtcdServer : IDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;

    /// <summary>Starts etcd (from $ETCD_BIN or PATH) and waits up to 30 s for it to report healthy; throws if it cannot.</summary>
    public EtcdServer()
    {
        string binary = Environment.GetEnvironmentVariable("ETCD_BIN") is { Length: > 0 } b ? b : "etcd";
        _dataDir = Directory.CreateTempSubdirectory("clusterfs-bench-etcd-").FullName;
        int client = FreePort(), peer = FreePort();
        ClientUrl = new Uri($"http://127.0.0.1:{client}/");
        var psi = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
        {
            "--name", "bench", "--data-dir", Path.Combine(_dataDir, "data"),
            "--listen-client-urls", $"http://127.0.0.1:{client}", "--advertise-client-urls", $"http://127.0.0.1:{client}",
            "--listen-peer-urls", $"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}",
            "--initial-cluster", $"bench=http://127.0.0.1:{peer}", "--logger", "zap", "--log-level", "error",
        }) psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {binary}");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited) throw new InvalidOperationException($"etcd exited with code {_process.ExitCode}");
            try
            {
                if (http.GetStringAsync(new Uri(ClientUrl, "health")).GetAwaiter().GetResult().Contains("\"true\"", StringComparison.Ordinal)) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            _process.WaitForExit(100);
        }
        throw new InvalidOperationException("etcd did not become healthy within 30 s");
    }

    public Uri ClientUrl { get; }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
