using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// A minimal etcd v3 client over the JSON gateway (etcd 3.4: /v3/kv/*, /v3/lease/*, /v3/watch). Keys and
/// values are UTF-8 strings on our side and base64 on the wire; int64 fields arrive as JSON strings.
/// Every call returns an <see cref="EtcdResult{T}"/>; no exception escapes (ETIMEDOUT when the call did not
/// finish within the request timeout, EIO otherwise, with a message naming the endpoint and the cause).
/// </summary>
internal sealed class EtcdClient : IDisposable
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    private readonly HttpClient _http;
    private readonly TimeSpan _requestTimeout;

    /// <summary>Creates a client for <paramref name="endpoint"/> (http://host:port); nothing is sent yet.</summary>
    public EtcdClient(Uri endpoint, TimeSpan requestTimeout)
    {
        Endpoint = endpoint;
        _requestTimeout = requestTimeout;
        // Long-lived watches must not be cut by HttpClient's own timeout; each call has its own deadline.
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = requestTimeout, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = endpoint,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public Uri Endpoint { get; }

    /// <summary>The first key after every key starting with <paramref name="prefix"/> (etcd's range_end for a prefix).</summary>
    public static string PrefixEnd(string prefix)
    {
        var bytes = Encoding.UTF8.GetBytes(prefix);
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xff)
            {
                bytes[i]++;
                return Encoding.UTF8.GetString(bytes, 0, i + 1);
            }
        }
        throw new ArgumentException("prefix has no successor", nameof(prefix));
    }

    /// <summary>Reads [key, rangeEnd) (just key when rangeEnd is null).</summary>
    public async Task<EtcdResult<EtcdRangeResult>> RangeAsync(string key, string? rangeEnd, CancellationToken ct = default)
    {
        var r = await CallAsync("/v3/kv/range", EtcdOp.RangeBody(key, rangeEnd), ct).ConfigureAwait(false);
        if (!r.IsOk) return r.As<EtcdRangeResult>();
        var root = r.Value!.RootElement;
        return EtcdResult<EtcdRangeResult>.Ok(new EtcdRangeResult(HeaderRevision(root), ReadKvs(root)));
    }

    /// <summary>Writes key=value, bound to <paramref name="lease"/> when non-zero. Returns the revision of the write.</summary>
    public async Task<EtcdResult<long>> PutAsync(string key, string value, long lease = 0, CancellationToken ct = default)
    {
        var r = await CallAsync("/v3/kv/put", EtcdOp.PutBody(key, value, lease), ct).ConfigureAwait(false);
        return r.IsOk ? EtcdResult<long>.Ok(HeaderRevision(r.Value!.RootElement)) : r.As<long>();
    }

    /// <summary>Deletes [key, rangeEnd) (just key when rangeEnd is null). Returns the store revision after it.</summary>
    public async Task<EtcdResult<long>> DeleteAsync(string key, string? rangeEnd = null, CancellationToken ct = default)
    {
        var r = await CallAsync("/v3/kv/deleterange", EtcdOp.RangeBody(key, rangeEnd), ct).ConfigureAwait(false);
        return r.IsOk ? EtcdResult<long>.Ok(HeaderRevision(r.Value!.RootElement)) : r.As<long>();
    }

    /// <summary>
    /// Runs a transaction: if every comparison holds, the success ops run, otherwise the failure ops, atomically.
    /// The result says which branch ran and carries the key-values read by range ops of that branch.
    /// </summary>
    public async Task<EtcdResult<EtcdTxnResult>> TxnAsync(IEnumerable<EtcdCompare> compares, IEnumerable<EtcdOp> success,
        IEnumerable<EtcdOp>? failure = null, CancellationToken ct = default)
    {
        var cmp = new JsonArray([.. compares.Select(c => (JsonNode)c.Json.DeepClone())]);
        var body = new JsonObject { ["compare"] = cmp, ["success"] = Ops(success), ["failure"] = Ops(failure ?? []) };
        var r = await CallAsync("/v3/kv/txn", body, ct).ConfigureAwait(false);
        if (!r.IsOk) return r.As<EtcdTxnResult>();
        var root = r.Value!.RootElement;
        bool ok = root.TryGetProperty("succeeded", out var s) && s.GetBoolean();
        var read = new List<EtcdKeyValue>();
        long deleted = 0;
        if (root.TryGetProperty("responses", out var responses))
        {
            foreach (var resp in responses.EnumerateArray())
            {
                if (resp.TryGetProperty("response_range", out var rr)) read.AddRange(ReadKvs(rr));
                if (resp.TryGetProperty("response_delete_range", out var dr)) deleted += Int64(dr, "deleted");
            }
        }
        return EtcdResult<EtcdTxnResult>.Ok(new EtcdTxnResult(ok, HeaderRevision(root), read, deleted));
    }

    /// <summary>Grants a lease of <paramref name="ttlSeconds"/>. Returns its id.</summary>
    public async Task<EtcdResult<long>> LeaseGrantAsync(int ttlSeconds, CancellationToken ct = default)
    {
        var r = await CallAsync("/v3/lease/grant", new JsonObject { ["TTL"] = ttlSeconds.ToString() }, ct).ConfigureAwait(false);
        if (!r.IsOk) return r.As<long>();
        long id = Int64(r.Value!.RootElement, "ID");
        return id != 0 ? EtcdResult<long>.Ok(id) : EtcdResult<long>.Fail(Errno.EIO, $"etcd at {Endpoint} granted no lease");
    }

    /// <summary>Renews lease <paramref name="id"/> once. Returns its new TTL in seconds, 0 when the lease no longer exists.</summary>
    public async Task<EtcdResult<long>> LeaseKeepAliveAsync(long id, CancellationToken ct = default)
    {
        // The gateway maps the bidirectional stream onto one request per POST: one line {"result": {...}} comes back.
        var r = await CallAsync("/v3/lease/keepalive", new JsonObject { ["ID"] = id.ToString() }, ct).ConfigureAwait(false);
        if (!r.IsOk) return r.As<long>();
        var root = r.Value!.RootElement;
        var result = root.TryGetProperty("result", out var res) ? res : root;
        return EtcdResult<long>.Ok(Int64(result, "TTL"));
    }

    /// <summary>Revokes lease <paramref name="id"/>, deleting every key bound to it. A lease that is already gone counts as revoked.</summary>
    public async Task<EtcdResult<bool>> LeaseRevokeAsync(long id, CancellationToken ct = default)
    {
        var r = await CallAsync("/v3/lease/revoke", new JsonObject { ["ID"] = id.ToString() }, ct).ConfigureAwait(false);
        if (!r.IsOk && r.Message.Contains("lease not found", StringComparison.Ordinal)) return EtcdResult<bool>.Ok(true);
        return r.IsOk ? EtcdResult<bool>.Ok(true) : r.As<bool>();
    }

    /// <summary>
    /// Starts watching [key, rangeEnd) from <paramref name="startRevision"/>; event batches are delivered in
    /// revision order to <paramref name="onEvents"/> on a background task until the watch is disposed or fails.
    /// </summary>
    public EtcdWatch Watch(string key, string rangeEnd, long startRevision, Action<IReadOnlyList<EtcdEvent>, long> onEvents)
    {
        var body = new JsonObject
        {
            ["create_request"] = new JsonObject
            {
                ["key"] = B64(key), ["range_end"] = B64(rangeEnd), ["start_revision"] = startRevision.ToString(),
            },
        };
        return new EtcdWatch(this, body.ToJsonString(), onEvents);
    }

    /// <summary>Opens the watch stream (used by <see cref="EtcdWatch"/>): the response, headers read, body unread.</summary>
    internal async Task<EtcdResult<HttpResponseMessage>> OpenStreamAsync(string path, string json, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_requestTimeout);
        try
        {
            var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8) };
            req.Content.Headers.ContentType = s_json;
            var resp = await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
            if (!resp.IsSuccessStatusCode)
            {
                string text = await resp.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false);
                resp.Dispose();
                return EtcdResult<HttpResponseMessage>.Fail(Errno.EIO, $"etcd at {Endpoint}{path}: HTTP {(int)resp.StatusCode}: {text.Trim()}");
            }
            return EtcdResult<HttpResponseMessage>.Ok(resp);
        }
        catch (Exception e)
        {
            return Failure<HttpResponseMessage>(path, e, ct);
        }
    }

    private async Task<EtcdResult<JsonDocument>> CallAsync(string path, JsonObject body, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_requestTimeout);
        try
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            content.Headers.ContentType = s_json;
            using var resp = await _http.PostAsync(path, content, cts.Token).ConfigureAwait(false);
            var bytes = await resp.Content.ReadAsByteArrayAsync(cts.Token).ConfigureAwait(false);
            if (!resp.IsSuccessStatusCode)
            {
                string text = Encoding.UTF8.GetString(bytes).Trim();
                return EtcdResult<JsonDocument>.Fail(Errno.EIO, $"etcd at {Endpoint}{path}: HTTP {(int)resp.StatusCode}: {text}");
            }
            return EtcdResult<JsonDocument>.Ok(JsonDocument.Parse(bytes));
        }
        catch (Exception e)
        {
            return Failure<JsonDocument>(path, e, ct);
        }
    }

    private EtcdResult<T> Failure<T>(string path, Exception e, CancellationToken callerToken)
    {
        if (e is OperationCanceledException && callerToken.IsCancellationRequested)
            return EtcdResult<T>.Fail(Errno.ECANCELED, $"etcd at {Endpoint}{path}: cancelled");
        if (e is OperationCanceledException or TimeoutException)
            return EtcdResult<T>.Fail(Errno.ETIMEDOUT, $"etcd at {Endpoint}{path}: no answer within {_requestTimeout.TotalSeconds:0.###} s");
        return EtcdResult<T>.Fail(Errno.EIO, $"etcd at {Endpoint}{path}: {e.GetBaseException().Message}");
    }

    private static JsonArray Ops(IEnumerable<EtcdOp> ops) => new([.. ops.Select(op => (JsonNode)op.Json.DeepClone())]);

    internal static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    /// <summary>Reads an int64 field, which the gateway writes as a JSON string (absent when zero).</summary>
    internal static long Int64(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v)) return 0;
        return v.ValueKind == JsonValueKind.String ? long.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : v.GetInt64();
    }

    internal static long HeaderRevision(JsonElement obj) =>
        obj.TryGetProperty("header", out var h) ? Int64(h, "revision") : 0;

    internal static EtcdKeyValue ReadKv(JsonElement kv)
    {
        string key = kv.TryGetProperty("key", out var k) ? Encoding.UTF8.GetString(k.GetBytesFromBase64()) : "";
        string value = kv.TryGetProperty("value", out var v) ? Encoding.UTF8.GetString(v.GetBytesFromBase64()) : "";
        return new EtcdKeyValue(key, value, Int64(kv, "create_revision"), Int64(kv, "mod_revision"), Int64(kv, "version"), Int64(kv, "lease"));
    }

    private static List<EtcdKeyValue> ReadKvs(JsonElement obj)
    {
        var list = new List<EtcdKeyValue>();
        if (obj.TryGetProperty("kvs", out var kvs))
        {
            foreach (var kv in kvs.EnumerateArray()) list.Add(ReadKv(kv));
        }
        return list;
    }

    public void Dispose() => _http.Dispose();
}
