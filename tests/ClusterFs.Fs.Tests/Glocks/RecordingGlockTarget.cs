using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>An IGlockTarget that records every call ("sync EX->UN", "inval meta", "refresh", "held SH").</summary>
internal sealed class RecordingGlockTarget : IGlockTarget
{
    private readonly List<string> _events = new();

    /// <summary>Error to return from the next Sync (then reset to OK).</summary>
    public Errno FailNextSync { get; set; } = Errno.OK;

    public Errno FailRefresh { get; set; } = Errno.OK;

    public IReadOnlyList<string> Events
    {
        get { lock (_events) return _events.ToArray(); }
    }

    public int Count(string prefix)
    {
        lock (_events) return _events.Count(e => e.StartsWith(prefix, StringComparison.Ordinal));
    }

    public void Clear()
    {
        lock (_events) _events.Clear();
    }

    public Errno Sync(LockState from, LockState to)
    {
        Add($"sync {LockStateRules.ShortName(from)}->{LockStateRules.ShortName(to)}");
        var err = FailNextSync;
        FailNextSync = Errno.OK;
        return err;
    }

    public void Invalidate(bool metadata) => Add(metadata ? "inval meta" : "inval data");

    public Errno Refresh()
    {
        Add("refresh");
        return FailRefresh;
    }

    public Errno Held(LockState holderState)
    {
        Add($"held {LockStateRules.ShortName(holderState)}");
        return Errno.OK;
    }

    private void Add(string e)
    {
        lock (_events) _events.Add(e);
    }
}
