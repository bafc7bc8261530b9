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
/// both bound to the node's lease; a waiter's create revision is its place in the queue;</item>
/// <item>plocks/&lt;inode&gt;/&lt;jid&gt;/&lt;lock_owner&gt; = the POSIX record locks of one lock owner of node jid on the inode
/// (<see cref="EtcdPosixLockTable"/>), bound to the node's lease, so that they vanish with the node;</item>
/// <item>plockwaits/&lt;jid&gt;/&lt;lock_owner&gt;/&lt;request&gt; = "inode:blocker jid:blocker owner:blocker key's mod revision" of
/// a blocked F_SETLKW (the cluster's wait-for graph, for EDEADLK), bound to the node's lease.</item>
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

    public string PlocksPrefix { get; } = $"/clusterfs/{lockTable}/plocks/"; // read for every watch event: computed once

    public string PlockWaitsPrefix => Root + "plockwaits/";

    public string Member(string node) => MembersPrefix + node;

    /// <summary>The wait-for edge of blocked request <paramref name="request"/> of lock owner <paramref name="owner"/> of node <paramref name="jid"/>.</summary>
    public string PlockWait(int jid, ulong owner, long request) => $"{PlockWaitsPrefix}{jid:x8}/{owner:x16}/{request:x16}";

    /// <summary>Parses a wait-for edge key into the waiting owner's node and lock owner. False for other keys.</summary>
    public bool TryParsePlockWaitKey(string key, out int jid, out ulong owner)
    {
        jid = -1;
        owner = 0;
        if (!key.StartsWith(PlockWaitsPrefix, StringComparison.Ordinal)) return false;
        var parts = key[PlockWaitsPrefix.Length..].Split('/');
        return parts.Length == 3
            && int.TryParse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out jid)
            && ulong.TryParse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out owner);
    }

    /// <summary>The prefix of every POSIX lock key of <paramref name="inode"/>.</summary>
    public string PlockInodePrefix(ulong inode) => $"{PlocksPrefix}{inode:x16}/";

    /// <summary>The key holding the POSIX locks of lock owner <paramref name="owner"/> of node <paramref name="jid"/> on <paramref name="inode"/>.</summary>
    public string Plock(ulong inode, int jid, ulong owner) => $"{PlockInodePrefix(inode)}{jid:x8}/{owner:x16}";

    /// <summary>Parses the inode of a POSIX lock key (plocks/&lt;inode&gt;/...); false for other keys.</summary>
    public bool TryParsePlockInode(string key, out ulong inode)
    {
        inode = 0;
        if (!key.StartsWith(PlocksPrefix, StringComparison.Ordinal)) return false;
        var rest = key.AsSpan(PlocksPrefix.Length);
        int slash = rest.IndexOf('/');
        return slash > 0 && ulong.TryParse(rest[..slash], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out inode);
    }

    /// <summary>Parses a POSIX lock key of <paramref name="inode"/> into its node (journal id) and lock owner. False for other keys.</summary>
    public bool TryParsePlockKey(ulong inode, string key, out int jid, out ulong owner)
    {
        jid = -1;
        owner = 0;
        string prefix = PlockInodePrefix(inode);
        if (!key.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var rest = key.AsSpan(prefix.Length);
        int slash = rest.IndexOf('/');
        return slash > 0
            && int.TryParse(rest[..slash], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out jid)
            && ulong.TryParse(rest[(slash + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out owner);
    }

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
