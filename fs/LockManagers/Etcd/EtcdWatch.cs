using System.Text.Json;
using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// One running watch stream (POST /v3/watch: newline-delimited {"result": ...} objects). Event batches go to
/// the callback on this watch's background task, in revision order, one batch at a time. The stream ends
/// when the watch is disposed (<see cref="Completion"/> then reports ECANCELED) or fails (EIO/ETIMEDOUT, or
/// EIO when etcd cancels the watch, e.g. because the start revision was compacted).
/// </summary>
internal sealed class EtcdWatch : IDisposable
{
    private readonly EtcdClient _client;
    private readonly string _request;
    private readonly Action<IReadOnlyList<EtcdEvent>, long> _onEvents;
    private readonly CancellationTokenSource _cts = new();

    internal EtcdWatch(EtcdClient client, string request, Action<IReadOnlyList<EtcdEvent>, long> onEvents)
    {
        _client = client;
        _request = request;
        _onEvents = onEvents;
        Completion = Task.Run(RunAsync);
    }

    /// <summary>Completes when the stream ends, with the reason. Never faults.</summary>
    public Task<EtcdResult<bool>> Completion { get; }

    private async Task<EtcdResult<bool>> RunAsync()
    {
        var opened = await _client.OpenStreamAsync("/v3/watch", _request, _cts.Token).ConfigureAwait(false);
        if (!opened.IsOk) return opened.As<bool>();
        using var resp = opened.Value!;
        try
        {
            using var stream = await resp.Content.ReadAsStreamAsync(_cts.Token).ConfigureAwait(false);
            using var reader = new StreamReader(stream);
            while (true)
            {
                string? line = await reader.ReadLineAsync(_cts.Token).ConfigureAwait(false);
                if (line == null) return EtcdResult<bool>.Fail(Errno.EIO, $"etcd at {_client.Endpoint}: watch stream closed by the server");
                if (line.Length == 0) continue;
                var failure = Deliver(line);
                if (failure != null) return EtcdResult<bool>.Fail(Errno.EIO, $"etcd at {_client.Endpoint}: watch {failure}");
            }
        }
        catch (Exception e) when (e is OperationCanceledException && _cts.IsCancellationRequested)
        {
            return EtcdResult<bool>.Fail(Errno.ECANCELED, "watch cancelled");
        }
        catch (Exception e)
        {
            return EtcdResult<bool>.Fail(Errno.EIO, $"etcd at {_client.Endpoint}: watch failed: {e.GetBaseException().Message}");
        }
    }

    /// <summary>Parses one message and delivers its events. Returns why the watch ended, or null to go on.</summary>
    private string? Deliver(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        if (root.TryGetProperty("error", out var err)) return $"error: {err}";
        if (!root.TryGetProperty("result", out var result)) return null;
        if (result.TryGetProperty("canceled", out var c) && c.GetBoolean())
        {
            string reason = result.TryGetProperty("cancel_reason", out var r) ? r.GetString() ?? "" : "";
            return $"cancelled by etcd (compact revision {EtcdClient.Int64(result, "compact_revision")}): {reason}";
        }
        if (!result.TryGetProperty("events", out var events)) return null;
        var list = new List<EtcdEvent>();
        foreach (var ev in events.EnumerateArray())
        {
            bool isDelete = ev.TryGetProperty("type", out var t) && t.GetString() == "DELETE";
            list.Add(new EtcdEvent(isDelete, EtcdClient.ReadKv(ev.GetProperty("kv"))));
        }
        _onEvents(list, EtcdClient.HeaderRevision(result));
        return null;
    }

    /// <summary>Stops the stream; <see cref="Completion"/> finishes soon after. Does not wait for a running callback.</summary>
    public void Dispose()
    {
        _cts.Cancel();
    }
}
