using System.Globalization;

namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// The key layout of one lock space in etcd, under /clusterfs/&lt;cluster:fsname&gt;/:
/// <list type="bullet">
/// <item>config = "journals=N" (written by the first mount, never bound to a lease);</item>
/// <item>members/&lt;node&gt; = journal id (bound to the node's lease: its presence is the node's liveness);</item>
/// <item>journals/&lt;jid&gt; = "O:&lt;node&gt;" (in use by node) or "R:&lt;node&gt;" (being replayed by node); no lease, so a
/// dead node's journal stays taken until someone has replayed it;</item>
/// <item>locks/&lt;type&gt;/&lt;number&gt;/h/&lt;node&gt; = held state, locks/.../w/&lt;node&gt; = "state:flags" of the waiting request,
/// both bound to the node's lease; a waiter's create revision is its place in the queue.</item>
/// </list>
/// Node names are the node's lease id in hex, unique for the life of the etcd cluster.
/// </summary>
internal sealed class EtcdLockKeys(string lockTable)
{
    public string Root { get; } = $"/clusterfs/{lockTable}/";

    public string RootEnd => EtcdClient.PrefixEnd(Root);

    public string Config => Root + "config";

    public string MembersPrefix => Root + "members/";

    public string JournalsPrefix => Root + "journals/";

    public string LocksPrefix => Root + "locks/";

    public string Member(string node) => MembersPrefix + node;

    public string Journal(int jid) => JournalsPrefix + jid.ToString(CultureInfo.InvariantCulture);

    public string LockPrefix(LockName name) => $"{LocksPrefix}{name.Type:x8}/{name.Number:x16}/";

    public string HoldersPrefix(LockName name) => LockPrefix(name) + "h/";

    public string Holder(LockName name, string node) => HoldersPrefix(name) + node;

    public string Waiter(LockName name, string node) => LockPrefix(name) + "w/" + node;

    /// <summary>Parses a lock key into its lock name, kind ('h' holder, 'w' waiter) and node. False for other keys.</summary>
    public bool TryParseLockKey(string key, out LockName name, out char kind, out string node)
    {
        name = default;
        kind = '\0';
        node = "";
        if (!key.StartsWith(LocksPrefix, StringComparison.Ordinal)) return false;
        var parts = key.AsSpan(LocksPrefix.Length).ToString().Split('/');
        if (parts.Length != 4 || parts[2].Length != 1) return false;
        if (!uint.TryParse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint type)) return false;
        if (!ulong.TryParse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong number)) return false;
        name = new LockName(type, number);
        kind = parts[2][0];
        node = parts[3];
        return true;
    }

    /// <summary>Parses a journal key's id; false for other keys.</summary>
    public bool TryParseJournalKey(string key, out int jid)
    {
        jid = -1;
        return key.StartsWith(JournalsPrefix, StringComparison.Ordinal)
            && int.TryParse(key.AsSpan(JournalsPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out jid);
    }
}
