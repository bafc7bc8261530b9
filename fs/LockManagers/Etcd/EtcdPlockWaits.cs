using System.Globalization;
using ClusterFs.Fs.LockManagers.Plocks;

namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// The cluster's POSIX-lock wait-for graph in etcd, for EDEADLK across nodes. Each blocked F_SETLKW publishes one edge
/// (<see cref="EtcdLockKeys.PlockWait"/>): its inode, the owner it waits for, and the mod revision of that owner's lock key
/// on the inode when the conflict was read. An edge is valid in a snapshot only while that key is unchanged there: then
/// the blocker still holds the conflicting lock and, since a waiter deletes its edge in the txn that grants it, the waiter
/// still waits. A cycle of valid edges in one consistent snapshot is therefore a real deadlock, never a stale one.
/// </summary>
internal static class EtcdPlockWaits
{
    /// <summary>The edge's value: "inode:blocker jid:blocker owner:blocker key mod revision" (hex, hex, hex, decimal).</summary>
    public static string Encode(ulong inode, int blockerJid, ulong blockerOwner, long blockerRevision) =>
        string.Create(CultureInfo.InvariantCulture, $"{inode:x16}:{blockerJid:x8}:{blockerOwner:x16}:{blockerRevision}");

    /// <summary>
    /// True when, in the snapshot <paramref name="kvs"/> (every key under plocks/ and plockwaits/ at one revision), the
    /// valid edges lead from <paramref name="blocker"/> back to <paramref name="waiter"/> within
    /// <see cref="PosixLockWaitGraph.MaxIterations"/> steps, and the waiter's own edge <paramref name="ownEdge"/> is valid too.
    /// </summary>
    public static bool ClosesCycle(EtcdLockKeys keys, IReadOnlyList<EtcdKeyValue> kvs, string ownEdge, (int Jid, ulong Owner) waiter,
        (int Jid, ulong Owner) blocker)
    {
        var revisions = new Dictionary<(ulong Inode, int Jid, ulong Owner), long>();
        foreach (var kv in kvs)
        {
            if (keys.TryParsePlockInode(kv.Key, out ulong inode) && keys.TryParsePlockKey(inode, kv.Key, out int jid, out ulong owner))
                revisions[(inode, jid, owner)] = kv.ModRevision;
        }
        var edges = new List<((int, ulong) From, (int, ulong) To)>();
        bool ownValid = false;
        foreach (var kv in kvs)
        {
            if (!keys.TryParsePlockWaitKey(kv.Key, out int jid, out ulong owner) || !TryDecode(kv.Value, out var e)) continue;
            if (!revisions.TryGetValue((e.Inode, e.Jid, e.Owner), out long rev) || rev != e.Revision) continue; // stale
            edges.Add(((jid, owner), (e.Jid, e.Owner)));
            ownValid |= kv.Key == ownEdge;
        }
        // Without a valid edge of its own the requester's blocker has moved on: it will read again, not deadlock.
        return ownValid && Reaches(edges, blocker, waiter, PosixLockWaitGraph.MaxIterations, []);
    }

    private static bool Reaches(List<((int, ulong) From, (int, ulong) To)> edges, (int, ulong) from, (int, ulong) target, int depth,
        HashSet<(int, ulong)> seen)
    {
        if (from == target) return true;
        if (depth == 0 || !seen.Add(from)) return false;
        foreach (var (f, t) in edges)
        {
            if (f == from && Reaches(edges, t, target, depth - 1, seen)) return true;
        }
        return false;
    }

    private static bool TryDecode(string value, out (ulong Inode, int Jid, ulong Owner, long Revision) edge)
    {
        edge = default;
        var f = value.Split(':');
        return f.Length == 4
            && ulong.TryParse(f[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out edge.Inode)
            && int.TryParse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out edge.Jid)
            && ulong.TryParse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out edge.Owner)
            && long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out edge.Revision);
    }
}
