using System.Globalization;
using System.Text.Json.Nodes;

namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>One txn operation (etcd's RequestOp), built by the factory methods and kept in its wire form.</summary>
internal sealed class EtcdOp
{
    private EtcdOp(JsonObject json) => Json = json;

    /// <summary>The RequestOp message as the JSON gateway expects it.</summary>
    internal JsonObject Json { get; }

    /// <summary>Writes key=value, bound to <paramref name="lease"/> when non-zero.</summary>
    public static EtcdOp Put(string key, string value, long lease = 0) => new(new JsonObject { ["request_put"] = PutBody(key, value, lease) });

    /// <summary>Deletes [key, rangeEnd) (just key when rangeEnd is null).</summary>
    public static EtcdOp Delete(string key, string? rangeEnd = null) => new(new JsonObject { ["request_delete_range"] = RangeBody(key, rangeEnd) });

    /// <summary>Reads [key, rangeEnd) (just key when rangeEnd is null).</summary>
    public static EtcdOp Range(string key, string? rangeEnd = null) => new(new JsonObject { ["request_range"] = RangeBody(key, rangeEnd) });

    internal static JsonObject PutBody(string key, string value, long lease)
    {
        var o = new JsonObject { ["key"] = EtcdClient.B64(key), ["value"] = EtcdClient.B64(value) };
        if (lease != 0) o["lease"] = lease.ToString(CultureInfo.InvariantCulture);
        return o;
    }

    internal static JsonObject RangeBody(string key, string? rangeEnd)
    {
        var o = new JsonObject { ["key"] = EtcdClient.B64(key) };
        if (rangeEnd != null) o["range_end"] = EtcdClient.B64(rangeEnd);
        return o;
    }
}
