using System.Globalization;
using System.Text.Json.Nodes;

namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>One txn comparison (etcd's Compare), built by the factory methods and kept in its wire form.</summary>
internal sealed class EtcdCompare
{
    private EtcdCompare(JsonObject json) => Json = json;

    /// <summary>The Compare message as the JSON gateway expects it (key and value base64, numbers as strings).</summary>
    internal JsonObject Json { get; }

    /// <summary>The key's create revision equals <paramref name="revision"/> (0: the key does not exist).</summary>
    public static EtcdCompare CreateRevision(string key, long revision) => Number("CREATE", "create_revision", key, "EQUAL", revision);

    /// <summary>The key does not exist.</summary>
    public static EtcdCompare Absent(string key) => CreateRevision(key, 0);

    /// <summary>The key exists with exactly this value.</summary>
    public static EtcdCompare ValueEquals(string key, string value) =>
        new(new JsonObject { ["target"] = "VALUE", ["key"] = EtcdClient.B64(key), ["result"] = "EQUAL", ["value"] = EtcdClient.B64(value) });

    /// <summary>No key in [key, rangeEnd) was created or modified after <paramref name="revision"/>.</summary>
    public static EtcdCompare UnchangedSince(string key, string rangeEnd, long revision)
    {
        var c = Number("MOD", "mod_revision", key, "LESS", revision + 1);
        c.Json["range_end"] = EtcdClient.B64(rangeEnd);
        return c;
    }

    private static EtcdCompare Number(string target, string field, string key, string result, long n) =>
        new(new JsonObject
        {
            ["target"] = target, ["key"] = EtcdClient.B64(key), ["result"] = result, [field] = n.ToString(CultureInfo.InvariantCulture),
        });
}
