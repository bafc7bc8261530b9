using System.Globalization;
using System.Text;
using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Fs.Glocks;

// The glocks debugfs file (gfs2_dump_glock); the format is documented in docs/locking.md.
public sealed partial class Glock
{
    /// <summary>Appends this glock's "G:", "S:" and "H:" lines to <paramref name="sb"/>.</summary>
    public void Dump(StringBuilder sb)
    {
        lock (_lock)
        {
            var inv = CultureInfo.InvariantCulture;
            long now = Table.Clock.NowTicks;
            string demote = _demoteState == LockState.Exclusive
                ? "EX/0"
                : $"{LockStateRules.ShortName(_demoteState)}/{(now - _demoteRequestedAt) / TimeSpan.TicksPerMillisecond}";
            sb.Append(inv, $"G: s:{LockStateRules.ShortName(_state)} n:{Name} f:{FlagString()} t:{LockStateRules.ShortName(_target)} d:{demote}");
            sb.Append(inv, $" r:{Volatile.Read(ref _refs)} m:{_holdTime / TimeSpan.TicksPerMillisecond} h:{_holders.Count} o:{Ops.Name}\n");
            var s = _counters.Snapshot();
            sb.Append(inv, $" S: grants:{s.Grants} queued:{s.Queued} waits:{s.Waits} wait_us:{(long)s.WaitTime.TotalMicroseconds}");
            sb.Append(inv, $" dreq:{s.DemoteRequests} demotes:{s.Demotes} lm:{s.LockManagerRequests}");
            sb.Append(inv, $" lm_us:{(long)s.LockManagerLatency.TotalMicroseconds} lm_max_us:{(long)s.LockManagerLatencyMax.TotalMicroseconds}\n");
            foreach (var gh in _holders)
            {
                sb.Append(inv, $" H: s:{LockStateRules.ShortName(gh.State)} f:{HolderFlagString(gh)} e:{gh.Error.Value} o:{gh.Owner} [{gh.Caller}:{gh.CallerLine}]\n");
            }
        }
    }

    private string FlagString()
    {
        var sb = new StringBuilder(12);
        if ((_flags & GlockFlags.Lock) != 0) sb.Append('l');
        if ((_flags & GlockFlags.Demote) != 0) sb.Append('D');
        if ((_flags & GlockFlags.PendingDemote) != 0) sb.Append('d');
        if ((_flags & GlockFlags.DemoteInProgress) != 0) sb.Append('p');
        if ((_flags & GlockFlags.InvalidateInProgress) != 0) sb.Append('i');
        if ((_flags & GlockFlags.ReplyPending) != 0) sb.Append('r');
        if ((_flags & GlockFlags.Queued) != 0) sb.Append('q');
        if ((_flags & GlockFlags.InstantiateNeeded) != 0) sb.Append('n');
        if ((_flags & GlockFlags.InstantiateInProgress) != 0) sb.Append('N');
        if ((_flags & GlockFlags.Canceling) != 0) sb.Append('c');
        if (Target != null) sb.Append('o');
        return sb.ToString();
    }

    private static string HolderFlagString(GlockHolder gh)
    {
        var sb = new StringBuilder(12);
        var f = gh.Flags;
        if ((f & GlockHolderFlags.Try) != 0) sb.Append('t');
        if ((f & GlockHolderFlags.TryOneCallback) != 0) sb.Append('T');
        if ((f & GlockHolderFlags.NoExpire) != 0) sb.Append('e');
        if ((f & GlockHolderFlags.Any) != 0) sb.Append('A');
        if ((f & GlockHolderFlags.Async) != 0) sb.Append('a');
        if ((f & GlockHolderFlags.Exact) != 0) sb.Append('E');
        if ((f & GlockHolderFlags.Skip) != 0) sb.Append('s');
        if ((f & GlockHolderFlags.NoPid) != 0) sb.Append('p');
        if ((f & GlockHolderFlags.NoCache) != 0) sb.Append('c');
        if ((f & GlockHolderFlags.NoBlock) != 0) sb.Append('b');
        if (gh._granted) sb.Append('H');
        if (gh._waiting) sb.Append('W');
        return sb.ToString();
    }
}
