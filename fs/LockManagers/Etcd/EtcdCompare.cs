namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// One txn comparison (etcd's Compare): <see cref="Target"/> is "CREATE", "MOD", "VERSION" or "VALUE";
/// <see cref="Result"/> is "EQUAL", "GREATER", "LESS" or "NOT_EQUAL". With <see cref="RangeEnd"/> set
/// the comparison must hold for every key in [Key, RangeEnd).
/// </summary>
internal sealed record EtcdCompare(string Target, string Key, string Result, long Number = 0, string? Value = null, string? RangeEnd = null)
{
    public static EtcdCompare CreateRevision(string key, long revision) => new("CREATE", key, "EQUAL", revision);

    public static EtcdCompare Absent(string key) => new("CREATE", key, "EQUAL", 0);

    public static EtcdCompare ValueEquals(string key, string value) => new("VALUE", key, "EQUAL", Value: value);

    /// <summary>No key in [key, rangeEnd) was created or modified after <paramref name="revision"/>.</summary>
    public static EtcdCompare UnchangedSince(string key, string rangeEnd, long revision) =>
        new("MOD", key, "LESS", revision + 1, RangeEnd: rangeEnd);
}
