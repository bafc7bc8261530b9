using System.Net;
using System.Net.Sockets;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>
/// A loopback TCP forwarder in front of etcd, so a test can cut one node off (a network partition) while the
/// other nodes keep talking to etcd directly. After <see cref="Cut"/> every connection is closed and new ones are refused.
/// </summary>
public sealed class TcpProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly List<Socket> _sockets = []; // under itself
    private readonly CancellationTokenSource _cut = new();

    public TcpProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    /// <summary>The URL to give the node instead of etcd's.</summary>
    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var inbound = await _listener.AcceptSocketAsync(_cut.Token);
                var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                lock (_sockets) _sockets.AddRange([inbound, outbound]);
                await outbound.ConnectAsync(_target, _cut.Token);
                _ = PumpAsync(inbound, outbound);
                _ = PumpAsync(outbound, inbound);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Cut or disposed.
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, _cut.Token);
                if (n == 0) break;
                await to.SendAsync(buffer.AsMemory(0, n), _cut.Token);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Cut, or the other side went away.
        }
    }

    /// <summary>Drops every connection and refuses new ones.</summary>
    public void Cut()
    {
        _cut.Cancel();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var s in _sockets) s.Dispose();
            _sockets.Clear();
        }
    }

    public void Dispose() => Cut();
}
