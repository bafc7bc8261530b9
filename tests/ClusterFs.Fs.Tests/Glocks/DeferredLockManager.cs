using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>
/// A one-node lock manager whose replies the test gives: a request stays outstanding until <see cref="Reply"/>,
/// as over a real network. <see cref="Cancel"/> cancels the outstanding request only when it is cancellable (a
/// real manager cannot cancel an unlock); <see cref="HoldNextLock"/> parks the next Lock call before it registers
/// its request, so a test can place a cancel in the window between two steps of one state change.
/// </summary>
internal sealed class DeferredLockManager : ILockManager
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);
    private readonly Lock _lock = new();
    private readonly List<(LockState From, LockState To)> _requests = new(); // under _lock
    private (LockName Name, LockState From, LockState To)? _outstanding; // under _lock
    private ILockManagerCallbacks? _callbacks;
    private ManualResetEventSlim? _parked, _resume;

    public IReadOnlyList<(LockState From, LockState To)> Requests
    {
        get { lock (_lock) return _requests.ToArray(); }
    }

    /// <summary>Cancel calls so far, whether or not they found a request to cancel.</summary>
    public int Cancels { get { lock (_lock) return _cancels; } }

    private int _cancels;

    public string Protocol => "lock_deferred";

    public Errno Mount(string lockTable, int journalCount, int requestedJournal, ILockManagerCallbacks callbacks, out int journalId)
    {
        _callbacks = callbacks;
        journalId = 0;
        return Errno.OK;
    }

    public void Lock(LockName name, LockState current, LockState requested, LockRequestFlags flags)
    {
        var (parked, resume) = (_parked, _resume);
        if (parked != null && resume != null)
        {
            _parked = _resume = null;
            parked.Set();
            Assert.True(resume.Wait(s_bound), "the parked Lock call was never resumed");
        }
        lock (_lock)
        {
            Assert.Null(_outstanding);
            _requests.Add((current, requested));
            _outstanding = (name, current, requested);
        }
    }

    /// <summary>Completes the outstanding request with (state, status).</summary>
    public void Reply(LockState state, LockStatus status)
    {
        LockName name;
        lock (_lock)
        {
            name = _outstanding?.Name ?? throw new InvalidOperationException("no request outstanding");
            _outstanding = null;
        }
        _callbacks!.Completed(name, state, status);
    }

    /// <summary>Waits (bounded) until a request from <paramref name="from"/> to <paramref name="to"/> is outstanding.</summary>
    public void WaitForRequest(LockState from, LockState to) =>
        Assert.True(SpinWait.SpinUntil(() => { lock (_lock) return _outstanding is { } o && o.From == from && o.To == to; }, s_bound),
            $"no {from}->{to} request arrived; requests so far: {string.Join(", ", Requests)}");

    /// <summary>Waits (bounded) until Cancel has been called <paramref name="count"/> times.</summary>
    public void WaitForCancels(int count) =>
        Assert.True(SpinWait.SpinUntil(() => Cancels >= count, s_bound), $"expected {count} cancel calls, saw {Cancels}");

    /// <summary>Makes the next Lock call signal <paramref name="parked"/> and wait for <paramref name="resume"/> before registering.</summary>
    public void HoldNextLock(ManualResetEventSlim parked, ManualResetEventSlim resume) => (_parked, _resume) = (parked, resume);

    public void Cancel(LockName name)
    {
        (LockName Name, LockState From, LockState To)? cancelled = null;
        lock (_lock)
        {
            _cancels++;
            if (_outstanding is { } o && o.Name == name && o.To != LockState.Unlocked)
            {
                cancelled = o;
                _outstanding = null;
            }
        }
        if (cancelled is { } c) _callbacks!.Completed(c.Name, c.From, LockStatus.Canceled);
    }

    public void RecoveryDone(int journalId) { }

    public void Unmount() { }

    public void Dispose() { }
}
