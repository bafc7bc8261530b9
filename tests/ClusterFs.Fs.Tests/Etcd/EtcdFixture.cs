using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>
/// A private etcd for the etcd tests: started once on free loopback ports in a temporary data directory,
/// killed and deleted at the end. If no etcd binary is installed the tests fail with a message saying so
/// (CI installs etcd-server), unless ETCD_TESTS=skip (then <see cref="EtcdFactAttribute"/> skips them).
/// Tests share the server and keep apart by using unique lock-table names.
/// </summary>
public sealed class EtcdFixture : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);

    private readonly Process? _process;
    private readonly string? _dataDir;
    private readonly StringBuilder _log = new();
    private readonly string? _failure;
    private int _tables;

    public EtcdFixture()
    {
        if (EtcdFactAttribute.SkipAll) return;
        string? binary = FindEtcd();
        if (binary == null)
        {
            _failure = "etcd is not installed (looked for $ETCD_BIN, then etcd on PATH): install Debian's etcd-server "
                + "(apt-get install etcd-server) or set ETCD_TESTS=skip to skip the etcd tests";
            return;
        }
        _dataDir = Directory.CreateTempSubdirectory("clusterfs-etcd-").FullName;
        int clientPort = FreePort(), peerPort = FreePort();
        ClientUrl = new Uri($"http://127.0.0.1:{clientPort}/");
        string peer = $"http://127.0.0.1:{peerPort}";
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "--name", "test", "--data-dir", Path.Combine(_dataDir, "data"),
            "--listen-client-urls", $"http://127.0.0.1:{clientPort}", "--advertise-client-urls", $"http://127.0.0.1:{clientPort}",
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", $"test={peer}",
            "--logger", "zap", "--log-level", "warn",
        }) psi.ArgumentList.Add(a);
        try
        {
            _process = Process.Start(psi)!;
        }
        catch (Exception e)
        {
            _failure = $"cannot start {binary}: {e.Message}";
            return;
        }
        _process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        _process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _failure = WaitHealthy();
    }

    /// <summary>The client URL of the private etcd (http://127.0.0.1:PORT/).</summary>
    public Uri ClientUrl { get; } = new("http://127.0.0.1:1/");

    /// <summary>"host:port" of the private etcd, for etcd:// lock manager URLs.</summary>
    public string Authority => ClientUrl.Authority;

    /// <summary>Fails the calling test with the reason etcd is not available; returns when it is.</summary>
    public void EnsureAvailable()
    {
        if (_failure != null) Assert.Fail(_failure);
    }

    /// <summary>A lock-table name no other test uses on this server.</summary>
    public string UniqueTable(string purpose) => $"test{Interlocked.Increment(ref _tables)}:{purpose}-{Environment.ProcessId}";

    private string? WaitHealthy()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        string last = "no answer";
        while (deadline.Elapsed < s_startTimeout)
        {
            if (_process!.HasExited) return $"etcd exited with code {_process.ExitCode} at start: {Log()}";
            try
            {
                string body = http.GetStringAsync(new Uri(ClientUrl, "health")).GetAwaiter().GetResult();
                if (body.Contains("\"true\"", StringComparison.Ordinal)) return null;
                last = body;
            }
            catch (Exception e)
            {
                last = e.GetBaseException().Message;
            }
            // Polling an external process for readiness (bounded by s_startTimeout), not synchronising test threads.
            _process.WaitForExit(100);
        }
        return $"etcd did not become healthy within {s_startTimeout.TotalSeconds} s ({last}): {Log()}";
    }

    private void AppendLog(string? line)
    {
        if (line == null) return;
        lock (_log)
        {
            if (_log.Length < 64 * 1024) _log.AppendLine(line);
        }
    }

    private string Log()
    {
        lock (_log) return _log.ToString();
    }

    private static string? FindEtcd()
    {
        string? env = Environment.GetEnvironmentVariable("ETCD_BIN");
        if (!string.IsNullOrEmpty(env)) return File.Exists(env) ? env : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "etcd");
            if (File.Exists(candidate)) return candidate;
        }
        return File.Exists("/usr/bin/etcd") ? "/usr/bin/etcd" : null;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_process != null)
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
        }
        if (_dataDir != null)
        {
            try
            {
                Directory.Delete(_dataDir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind does not affect later runs (new name each time).
            }
        }
    }
}
