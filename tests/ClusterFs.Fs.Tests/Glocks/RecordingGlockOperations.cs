using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>
/// A glock type for tests that records each hook with the glock's state at the time, e.g.
/// "sync EX->SH", "inval EX->UN", "instantiate SH", "held SH", "callback remote".
/// </summary>
internal sealed class RecordingGlockOperations(GlockOperationFlags flags, GlockType type = GlockType.Nondisk) : IGlockOperations
{
    private readonly List<string> _events = new();

    public GlockType Type => type;
    public string Name => "recording";
    public GlockOperationFlags Flags => flags;

    public IReadOnlyList<string> Events
    {
        get { lock (_events) return _events.ToArray(); }
    }

    public Errno Sync(Glock glock, LockState target)
    {
        Add($"sync {S(glock.State)}->{S(target)}");
        return Errno.OK;
    }

    public void Invalidate(Glock glock, LockState target) => Add($"inval {S(glock.State)}->{S(target)}");

    public Errno Instantiate(Glock glock)
    {
        Add($"instantiate {S(glock.State)}");
        return Errno.OK;
    }

    public Errno Held(GlockHolder holder)
    {
        Add($"held {S(holder.State)}");
        return Errno.OK;
    }

    public void Callback(Glock glock, bool remote) => Add(remote ? "callback remote" : "callback local");

    private static string S(LockState s) => LockStateRules.ShortName(s);

    private void Add(string e)
    {
        lock (_events) _events.Add(e);
    }
}
